public import SQLKit

/// Where SQL runs: one serialised SQLite connection, or a PostgreSQL connection pool.
public protocol SQLConnectionSource: Sendable {
    func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}
