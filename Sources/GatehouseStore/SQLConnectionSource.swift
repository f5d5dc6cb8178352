public import SQLKit

/// Where SQL runs: one serialised SQLite connection, or a PostgreSQL connection pool.
public protocol SQLConnectionSource: Sendable {
    func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: all of its writes, or none.
    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}

extension SQLDatabase {
    /// Runs an UPDATE. - Returns: how many rows it changed (by `RETURNING id`, which SQLite and
    /// PostgreSQL both answer in the same statement: the count is atomic with the change).
    func updateCounting(_ update: SQLUpdateBuilder) async throws -> Int {
        try await update.returning("id").all().count
    }

    /// Deletes the rows whose `column` is one of `values`. - Returns: how many there were.
    func deleteCounting(from table: String, where column: String, in values: [String]) async throws -> Int {
        guard !values.isEmpty else { return 0 }
        let count = try await select().column(column).from(table).where(SQLColumn(column), .in, SQLBind.group(values)).all().count
        try await delete(from: table).where(SQLColumn(column), .in, SQLBind.group(values)).run()
        return count
    }
}
