import Foundation
import Logging
import NIOPosix
public import SQLKit
import SQLiteKit
import SQLiteNIO
public import ServiceLifecycle

/// The embedded default: one SQLite file in WAL mode, used through a single connection. A
/// `Service` so that the connection is closed after the server has stopped. Callers take turns
/// (one body at a time), so that a transaction's statements are never interleaved with another
/// caller's on the shared connection.
public final class SQLiteSource: SQLConnectionSource, Service {
    private let connection: SQLiteConnection
    private let turn = AsyncLock()

    public static func open(path: String, logger: Logger) async throws -> SQLiteSource {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let source = SQLiteSource(connection: connection)
        try await source.withDatabase { db in
            try await db.raw("PRAGMA journal_mode=WAL").run()
            try await db.raw("PRAGMA foreign_keys=ON").run()
            try await db.raw("PRAGMA busy_timeout=5000").run()
        }
        return source
    }

    /// A private in-memory database (tests).
    public static func inMemory(logger: Logger) async throws -> SQLiteSource {
        SQLiteSource(connection: try await SQLiteConnection.open(storage: .memory, logger: logger))
    }

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    public func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await turn.withLock { try await body(connection.sql()) }
    }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await turn.withLock {
            let db = connection.sql()
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Runs raw statements with their values in one transaction: for bulk writes, where SQLKit's
    /// per-value encoding would cost more than SQLite itself.
    func execute(inTransaction statements: [(sql: String, binds: [SQLiteData])]) async throws {
        try await turn.withLock {
            try await self.connection.query("BEGIN IMMEDIATE", []) { _ in }
            do {
                for (sql, binds) in statements { try await self.connection.query(sql, binds) { _ in } }
                try await self.connection.query("COMMIT", []) { _ in }
            } catch {
                try? await self.connection.query("ROLLBACK", []) { _ in }
                throw error
            }
        }
    }

    public func close() async throws {
        try await connection.close()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        // Closed even when the group is cancelled rather than shut down (a test that throws): an
        // unstructured task does not inherit the cancellation.
        try await Task { try await self.close() }.value
    }
}
