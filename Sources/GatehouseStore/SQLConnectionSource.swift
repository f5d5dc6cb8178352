public import SQLKit

/// Where SQL runs: one serialised SQLite connection, or a PostgreSQL connection pool.
public protocol SQLConnectionSource: Sendable {
    func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: all of its writes, or none.
    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}
