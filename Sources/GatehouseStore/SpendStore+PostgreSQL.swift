import Foundation
import GatehouseCore

extension SpendStore {
    /// A text as a spend row keeps it: a NUL character, which no PostgreSQL text can hold (the
    /// batch, and every batch queued behind it, could not be written) and SQLite cuts a text at,
    /// becomes U+FFFD. Request fields (the end user, the model asked for) reach spend rows.
    static func storableText(_ value: String) -> String {
        // Every text of every spend row passes here: searched with `memchr`, not byte by byte
        // through the string's UTF-8 view.
        let holdsNUL =
            value.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
            } ?? value.utf8.contains(0)
        return holdsNUL ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value
    }

    /// The rows' types for `json_to_recordset`, in `logColumns` order.
    static let postgresRowTypes =
        "request_id text, started_at_ms bigint, principal_id text, method text, key_id text, user_id text, team_id text, "
        + "organization_id text, end_user text, model text, deployment text, prompt_tokens bigint, completion_tokens bigint, "
        + "usage_estimated bigint, cost_units bigint, status bigint, latency_ms bigint, stream bigint, response_id text, key_alias text"

    /// Spend rows as one JSON array that PostgreSQL splits into rows (`json_to_recordset`): a batch
    /// is one statement with one bind, where a value bound apiece cost twenty binds a row, encoded
    /// one by one — at thousands of requests a second, more than the server took to store them.
    /// Texts are `storableText`s.
    static func postgresRows(_ records: ArraySlice<SpendRecord>) -> String {
        var json = JSONWriter(capacity: records.count * 512)
        json.raw("[")
        // Each record read in place, not copied (a copy retains each of its texts).
        for index in records.indices {
            json.row(records[index])
        }
        json.raw("]")
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// One spend row as a JSON object, after a comma unless it is the array's first.
    fileprivate mutating func row(_ record: borrowing SpendRecord) {
        raw(bytes.count > 1 ? ",{" : "{")
        text("request_id", record.requestID, first: true)
        number("started_at_ms", Int(Column.milliseconds(record.startedAt)))
        text("principal_id", record.principalID)
        text("method", record.method)
        text("key_id", record.keyID)
        text("user_id", record.userID)
        text("team_id", record.teamID)
        text("organization_id", record.organizationID)
        text("end_user", record.endUser)
        text("model", record.model)
        text("deployment", record.deployment)
        number("prompt_tokens", record.usage.promptTokens)
        number("completion_tokens", record.usage.completionTokens)
        number("usage_estimated", record.usageEstimated ? 1 : 0)
        number("cost_units", Int(record.cost.units))
        number("status", record.status)
        number("latency_ms", record.latencyMs)
        number("stream", record.stream ? 1 : 0)
        text("response_id", record.responseID)
        text("key_alias", record.keyAlias)
        raw("}")
    }

    /// `,"name":` (no comma for the first field).
    fileprivate mutating func name(_ name: StaticString, first: Bool) {
        raw(first ? "\"" : ",\"")
        raw(name)
        raw("\":")
    }

    /// A text column: null, or the string as stored.
    fileprivate mutating func text(_ name: StaticString, _ value: String?, first: Bool = false) {
        self.name(name, first: first)
        guard let value else { return raw("null") }
        string(SpendStore.storableText(value))
    }

    fileprivate mutating func number(_ name: StaticString, _ value: Int) {
        self.name(name, first: false)
        integer(value)
    }
}
