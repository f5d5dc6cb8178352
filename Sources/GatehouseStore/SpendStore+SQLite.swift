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
            // Each record read in place: a copy would retain each of its texts, and release them again.
            for index in batch.indices { appendSQLiteValues(of: batch[index], to: &binds) }
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

    /// One row's values, in `logColumns` order, appended where they are bound.
    static func appendSQLiteValues(of record: borrowing SpendRecord, to binds: inout [SQLiteData]) {
        func text(_ value: String?) -> SQLiteData { value.map { .text(storableText($0)) } ?? .null }
        binds.append(text(record.requestID))
        binds.append(.integer(Int(Column.milliseconds(record.startedAt))))
        binds.append(text(record.principalID))
        binds.append(text(record.method))
        binds.append(text(record.keyID))
        binds.append(text(record.userID))
        binds.append(text(record.teamID))
        binds.append(text(record.organizationID))
        binds.append(text(record.endUser))
        binds.append(text(record.model))
        binds.append(text(record.deployment))
        binds.append(.integer(record.usage.promptTokens))
        binds.append(.integer(record.usage.completionTokens))
        binds.append(.integer(record.usageEstimated ? 1 : 0))
        binds.append(.integer(Int(record.cost.units)))
        binds.append(.integer(record.status))
        binds.append(.integer(record.latencyMs))
        binds.append(.integer(record.stream ? 1 : 0))
        binds.append(text(record.responseID))
        binds.append(text(record.keyAlias))
    }
}
