import Logging
import PostgresNIO
import SQLKit
public import ServiceLifecycle

/// Key changes over PostgreSQL `LISTEN`/`NOTIFY` on the channel `gatehouse_keys`: a change made on
/// one instance reaches the others' caches within milliseconds. Each (re)subscription first
/// reloads every key, so nothing sent while the listener was disconnected is missed.
public final class PostgresKeyChangeFeed: KeyChangeFeed, Service {
    static let channel = "gatehouse_keys"
    private let source: PostgresSource
    private let store: KeyStore
    private let cache: KeyCache
    private let logger: Logger

    public init(source: PostgresSource, cache: KeyCache, logger: Logger) {
        self.source = source
        self.store = KeyStore(source: source)
        self.cache = cache
        self.logger = logger
    }

    public func publish(keyID: String) async throws {
        try await source.withDatabase { db in
            try await db.raw("SELECT pg_notify(\(literal: Self.channel), \(bind: keyID))").run()
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
                    try await self.cache.refresh(keyID: notification.payload, from: self.store)
                }
            }
        }
    }
}
