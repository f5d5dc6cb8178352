import GatehouseCore
import SQLiteNIO

extension SpendStore {
    /// The same rows and totals as `write(_:in:)`, as plain SQLite statements with their values:
    /// at thousands of requests a second, building them through SQLKit cost more CPU than SQLite
    /// spends storing them.
    static func sqliteStatements(_ records: [SpendRecord]) -> [(sql: String, binds: [SQLiteData])] {
        var statements: [(sql: String, binds: [SQLiteData])] = []
        let row = "(" + Array(repeating: "?", count: logColumns.count).joined(separator: ", ") + ")"
        let insert = "INSERT INTO \(logs) (\(logColumns.joined(separator: ", "))) VALUES "
        for start in stride(from: 0, to: records.count, by: 500) {
            let batch = records[start..<min(start + 500, records.count)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * logColumns.count)
            for record in batch { binds += sqliteValues(record) }
            statements.append((insert + Array(repeating: row, count: batch.count).joined(separator: ", "), binds))
        }
        let upsert = """
            INSERT INTO \(totals) (account, period_start_ms, spend_units, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?) \
            ON CONFLICT (account, period_start_ms) DO UPDATE SET spend_units = spend_units + excluded.spend_units, \
            requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens, \
            completion_tokens = completion_tokens + excluded.completion_tokens
            """
        for (charge, sum) in sums(records) {
            statements.append(
                (
                    upsert,
                    [
                        .text(charge.account), .integer(Int(charge.periodStart)), .integer(Int(sum.cost)), .integer(Int(sum.requests)),
                        .integer(Int(sum.prompt)), .integer(Int(sum.completion)),
                    ]
                ))
        }
        return statements
    }

    /// One row's values, in `logColumns` order.
    static func sqliteValues(_ record: SpendRecord) -> [SQLiteData] {
        func text(_ value: String?) -> SQLiteData { value.map { .text(storableText($0)) } ?? .null }
        return [
            text(record.requestID), .integer(Int(Column.milliseconds(record.startedAt))), text(record.principalID), text(record.method),
            text(record.keyID), text(record.userID), text(record.teamID), text(record.organizationID), text(record.endUser),
            text(record.model), text(record.deployment), .integer(record.usage.promptTokens), .integer(record.usage.completionTokens),
            .integer(record.usageEstimated ? 1 : 0), .integer(Int(record.cost.units)), .integer(record.status), .integer(record.latencyMs),
            .integer(record.stream ? 1 : 0), text(record.responseID), text(record.keyAlias),
        ]
    }
}
