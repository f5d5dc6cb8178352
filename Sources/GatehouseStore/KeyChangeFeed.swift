import ServiceLifecycle

/// Tells every process sharing the database that a key changed, so each updates its `KeyCache`.
public protocol KeyChangeFeed: Sendable {
    func publish(keyID: String) async throws
}

extension KeyCache {
    /// Applies one reported change: the key as it now is in the store, or gone.
    func refresh(keyID: String, from store: KeyStore) async throws {
        if let key = try await store.key(id: keyID) {
            put(key)
        } else {
            remove(id: keyID)
        }
    }

    /// Runs a feed's follower once start-up has loaded the cache (so the schema exists), until
    /// graceful shutdown, and ends quietly then: a service that throws would cancel its neighbours.
    func follow(_ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !self.isLoaded { try await Task.sleep(for: .milliseconds(20)) }
                try await body()
            }
        } catch is CancellationError {
            return
        }
    }
}
