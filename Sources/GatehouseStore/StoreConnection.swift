import Foundation
public import Logging
public import ServiceLifecycle

/// The database a Gatehouse instance uses, and the service (if any) that must run for it.
public struct StoreConnection: Sendable {
    public let source: any SQLConnectionSource
    /// What keeps the connection open and closes it at shutdown: PostgreSQL's pool, or the SQLite file.
    public let service: any Service

    /// PostgreSQL when `databaseURL` is given, else the SQLite file `<dataDirectory>/gatehouse.sqlite`.
    /// A private in-memory SQLite database (tests).
    public static func inMemory(logger: Logger) async throws -> StoreConnection {
        let sqlite = try await SQLiteSource.inMemory(logger: Self.quiet(logger))
        return StoreConnection(source: sqlite, service: sqlite)
    }

    public static func open(databaseURL: String?, dataDirectory: String, logger: Logger) async throws -> StoreConnection {
        let logger = Self.quiet(logger)
        if let databaseURL {
            let postgres = try PostgresSource(url: databaseURL, logger: logger)
            return StoreConnection(source: postgres, service: postgres)
        }
        let path = (dataDirectory as NSString).appendingPathComponent("gatehouse.sqlite")
        let sqlite = try await SQLiteSource.open(path: path, logger: logger)
        return StoreConnection(source: sqlite, service: sqlite)
    }

    /// The database drivers log every statement with its values at debug level, and values hold
    /// key metadata and hashes: their logger never goes below info, whatever `log_level` says.
    static func quiet(_ logger: Logger) -> Logger {
        var logger = logger
        if logger.logLevel < .info { logger.logLevel = .info }
        return logger
    }

    /// Whether several instances may share this store (PostgreSQL): budgets and rate limits are
    /// then kept in it rather than in each process alone.
    public var isShared: Bool { source is PostgresSource }

    /// Closes a connection whose service never ran (start-up failed after opening it).
    public func closeUnused() async {
        if let sqlite = source as? SQLiteSource { try? await sqlite.close() }
    }

    public init(source: any SQLConnectionSource, service: any Service) {
        self.source = source
        self.service = service
    }

    /// How identity changes reach other processes on the same database: LISTEN/NOTIFY on
    /// PostgreSQL, a polled change log on SQLite. The feed is also the service that applies
    /// incoming changes.
    public func changeFeed(cache: IdentityCache, logger: Logger) -> any IdentityChangeFeed & Service {
        if let postgres = source as? PostgresSource {
            return PostgresChangeFeed(source: postgres, cache: cache, logger: logger)
        }
        return PollingChangeFeed(store: IdentityStore(source: source), cache: cache, logger: logger)
    }
}
