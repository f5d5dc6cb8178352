import Foundation
import GatehouseCore

extension SpendStore {
    /// A text as a spend row keeps it: a NUL character, which no PostgreSQL text can hold (the
    /// batch, and every batch queued behind it, could not be written) and SQLite cuts a text at,
    /// becomes U+FFFD. Request fields (the end user, the model asked for) reach spend rows.
    static func storableText(_ value: String) -> String {
        value.utf8.contains(0) ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value
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
        for record in records {
            if json.bytes.count > 1 { json.raw(",") }
            json.raw("{\"request_id\":")
            json.text(record.requestID)
            json.raw(",\"started_at_ms\":")
            json.integer(Int(Column.milliseconds(record.startedAt)))
            json.raw(",\"principal_id\":")
            json.text(record.principalID)
            json.raw(",\"method\":")
            json.text(record.method)
            json.raw(",\"key_id\":")
            json.text(record.keyID)
            json.raw(",\"user_id\":")
            json.text(record.userID)
            json.raw(",\"team_id\":")
            json.text(record.teamID)
            json.raw(",\"organization_id\":")
            json.text(record.organizationID)
            json.raw(",\"end_user\":")
            json.text(record.endUser)
            json.raw(",\"model\":")
            json.text(record.model)
            json.raw(",\"deployment\":")
            json.text(record.deployment)
            json.raw(",\"prompt_tokens\":")
            json.integer(record.usage.promptTokens)
            json.raw(",\"completion_tokens\":")
            json.integer(record.usage.completionTokens)
            json.raw(",\"usage_estimated\":")
            json.integer(record.usageEstimated ? 1 : 0)
            json.raw(",\"cost_units\":")
            json.integer(Int(record.cost.units))
            json.raw(",\"status\":")
            json.integer(record.status)
            json.raw(",\"latency_ms\":")
            json.integer(record.latencyMs)
            json.raw(",\"stream\":")
            json.integer(record.stream ? 1 : 0)
            json.raw(",\"response_id\":")
            json.text(record.responseID)
            json.raw(",\"key_alias\":")
            json.text(record.keyAlias)
            json.raw("}")
        }
        json.raw("]")
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// A text column's value: null, or the string as stored.
    fileprivate mutating func text(_ value: String?) {
        guard let value else { return raw("null") }
        string(SpendStore.storableText(value))
    }
}
