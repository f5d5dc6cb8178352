import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// Lockout blocks across instances sharing one PostgreSQL: every `interval`, each instance
/// publishes the blocks it began and takes in everyone's, so that an address or credential
/// blocked by one instance is refused by all within an interval, `/lockout/list` on any instance
/// shows them all, and `/lockout/unlock` through any instance lifts a block everywhere. Failures
/// are still counted by each instance on its own.
final class LockoutSync: Service, Sendable {
    let store: LockoutStore
    let lockouts: Lockouts
    let interval: Duration
    let logger: Logger
    /// Whether the store is migrated (the exchange waits for it).
    let ready: @Sendable () -> Bool

    init(store: LockoutStore, lockouts: Lockouts, interval: Duration, logger: Logger, ready: @escaping @Sendable () -> Bool) {
        self.store = store
        self.lockouts = lockouts
        self.interval = interval
        self.logger = logger
        self.ready = ready
    }

    func run() async throws {
        while Task.serviceGoesOn {
            do {
                if ready() { try await withDeadline(seconds: 5) { try await self.exchange() } }
            } catch {
                logger.warning("lockout blocks not shared", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Publishes this instance's new blocks, then adopts the store's.
    func exchange() async throws {
        let now = Date()
        let addresses = lockouts.addresses.unshared(at: now)
        let credentials = lockouts.credentials.unshared(at: now)
        try await store.publish(addresses + credentials)
        let readAt = Date()
        let blocks = try await store.active(at: readAt)
        lockouts.addresses.adopt(blocks.filter { $0.key.hasPrefix("address:") }, published: addresses.map(\.subject), readAt: readAt)
        lockouts.credentials.adopt(blocks.filter { !$0.key.hasPrefix("address:") }, published: credentials.map(\.subject), readAt: readAt)
    }
}
