import Logging
import PostgresNIO
import SQLKit
public import ServiceLifecycle

/// Identity changes over PostgreSQL `LISTEN`/`NOTIFY` on the channel `gatehouse_keys`: a change made on
/// one instance reaches the others' caches within milliseconds. Each (re)subscription first
/// reloads everything, so nothing sent while the listener was disconnected is missed.
public final class PostgresChangeFeed: IdentityChangeFeed, Service {
    static let channel = "gatehouse_keys"
    private let source: PostgresSource
    private let store: IdentityStore
    private let cache: IdentityCache
    private let logger: Logger

    public init(source: PostgresSource, cache: IdentityCache, logger: Logger) {
        self.source = source
        self.store = IdentityStore(source: source)
        self.cache = cache
        self.logger = logger
    }

    public func publish(_ change: IdentityChange) async throws {
        try await source.withDatabase { db in
            try await db.raw("SELECT pg_notify(\(literal: Self.channel), \(bind: change.text))").run()
        }
    }

    public func run() async throws {
        try await cache.follow {
            while !Task.isCancelled {
                do {
                    try await self.listen()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("key change listener lost its connection; retrying", metadata: ["error": "\(type(of: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    private func listen() async throws {
        try await source.client.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                try await self.cache.reload(from: self.store)
                for try await notification in notifications {
                    try await self.cache.refresh(IdentityChange(text: notification.payload), from: self.store)
                }
            }
        }
    }
}
