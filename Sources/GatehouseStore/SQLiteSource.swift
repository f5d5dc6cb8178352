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

    /// Runs `body` on the thread pool with the connection's own `sqlite3` handle, when no other
    /// caller has the connection: for bulk writes, which prepare a statement once and run it per
    /// row (`SQLitePrepared`), where SQLiteNIO prepares a statement for each call.
    ///
    /// SQLiteNIO keeps the handle internal; it is read here by reflection, at each call (so that
    /// a closed connection is seen as closed: `close()` takes the same turn). A SQLiteNIO whose
    /// connection no longer holds it there fails every bulk write with this error, and the store
    /// tests with it.
    func withHandle<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await turn.withLock {
            guard let handle = Mirror(reflecting: connection).descendant("handle", "raw") as? OpaquePointer else {
                throw SQLiteCallError.noHandle
            }
            let db = UncheckedHandle(raw: handle)
            return try await NIOThreadPool.singleton.runIfActive { try body(db.raw) }
        }
    }

    /// The handle, taken to the thread pool: used there by one caller at a time (the turn).
    private struct UncheckedHandle: @unchecked Sendable {
        let raw: OpaquePointer
    }

    /// Closes the connection once the caller before has finished with it (a bulk write holds its
    /// handle until then).
    public func close() async throws {
        try await turn.withLock { try await connection.close() }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        // Closed even when the group is cancelled rather than shut down (a test that throws): an
        // unstructured task does not inherit the cancellation.
        try await Task { try await self.close() }.value
    }
}
