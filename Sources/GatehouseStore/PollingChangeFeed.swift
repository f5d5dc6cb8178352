import Logging
public import ServiceLifecycle

/// Identity changes through a change-log table, for SQLite: a `gatehouse keys …` command run beside a
/// serving instance reaches that instance's cache within one poll interval. A poll is one indexed
/// query for rows newer than the last one seen.
public final class PollingChangeFeed: IdentityChangeFeed, Service {
    private let store: IdentityStore
    private let cache: IdentityCache
    private let interval: Duration
    private let logger: Logger

    public init(store: IdentityStore, cache: IdentityCache, interval: Duration = .milliseconds(500), logger: Logger) {
        self.store = store
        self.cache = cache
        self.interval = interval
        self.logger = logger
    }

    public func publish(_ change: IdentityChange) async throws {
        try await store.changes.record(change)
    }

    public func run() async throws {
        try await cache.follow {
            var seen = try await self.store.changes.latest()
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                do {
                    for change in try await self.store.changes.changes(after: seen) {
                        try await self.cache.refresh(change.change, from: self.store)
                        seen = change.seq
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("key change poll failed", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }
}
