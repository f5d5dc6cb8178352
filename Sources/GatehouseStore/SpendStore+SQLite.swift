import GatehouseCore

extension SpendStore {
    private static let sqliteInsert =
        "INSERT INTO \(logs) (\(logColumns.joined(separator: ", "))) VALUES ("
        + Array(repeating: "?", count: logColumns.count).joined(separator: ", ") + ")"
    private static let sqliteUpsert = """
        INSERT INTO \(totals) (account, period_start_ms, spend_units, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?) \
        ON CONFLICT (account, period_start_ms) DO UPDATE SET spend_units = spend_units + excluded.spend_units, \
        requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens, \
        completion_tokens = completion_tokens + excluded.completion_tokens
        """

    /// The same rows and totals as `write(_:in:)`, in one transaction on the connection's own
    /// handle: one row statement and one total statement, each prepared once and run per row. At
    /// thousands of requests a second, statements made through SQLKit, then multi-row statements
    /// through SQLiteNIO (parsed anew per batch, each value locked and bound apart), cost more CPU
    /// than SQLite spent storing the rows.
    static func writeSQLite(_ records: [SpendRecord], on db: OpaquePointer) throws {
        try SQLitePrepared.transaction(on: db) {
            // Each record read where it lies, field by field: passed as a value, even borrowed,
            // each record was copied (each of its texts retained, and released again).
            try records.withUnsafeBufferPointer { records in
                guard let first = records.baseAddress else { return }
                let insert = try SQLitePrepared(sqliteInsert, on: db)
                for index in records.indices {
                    try bindRow(first + index, to: insert)
                    try insert.run()
                }
            }
            let upsert = try SQLitePrepared(sqliteUpsert, on: db)
            for (charge, sum) in sums(records) {
                try upsert.bind(charge.account, at: 1)
                try upsert.bind(charge.periodStart, at: 2)
                try upsert.bind(sum.cost, at: 3)
                try upsert.bind(sum.requests, at: 4)
                try upsert.bind(sum.prompt, at: 5)
                try upsert.bind(sum.completion, at: 6)
                try upsert.run()
            }
        }
    }

    /// One row's values, in `logColumns` order.
    private static func bindRow(_ row: UnsafePointer<SpendRecord>, to insert: borrowing SQLitePrepared) throws {
        func text(_ value: String?, _ index: Int32) throws { try insert.bind(value.map(storableText), at: index) }
        func integer(_ value: Int64, _ index: Int32) throws { try insert.bind(value, at: index) }
        try text(row.pointee.requestID, 1)
        try integer(Column.milliseconds(row.pointee.startedAt), 2)
        try text(row.pointee.principalID, 3)
        try text(row.pointee.method, 4)
        try text(row.pointee.keyID, 5)
        try text(row.pointee.userID, 6)
        try text(row.pointee.teamID, 7)
        try text(row.pointee.organizationID, 8)
        try text(row.pointee.endUser, 9)
        try text(row.pointee.model, 10)
        try text(row.pointee.deployment, 11)
        try integer(Int64(row.pointee.usage.promptTokens), 12)
        try integer(Int64(row.pointee.usage.completionTokens), 13)
        try integer(row.pointee.usageEstimated ? 1 : 0, 14)
        try integer(row.pointee.cost.units, 15)
        try integer(Int64(row.pointee.status), 16)
        try integer(Int64(row.pointee.latencyMs), 17)
        try integer(row.pointee.stream ? 1 : 0, 18)
        try text(row.pointee.responseID, 19)
        try text(row.pointee.keyAlias, 20)
    }
}
