public import GatehouseCore
import Synchronization

/// Every virtual key's grant, in memory, by digest: the hot path's only source for API keys.
/// Loaded at start; changes are applied as they are written (and as other processes report
/// them), so they hold from the very next request.
public final class KeyCache: Sendable {
    private struct Index {
        var byDigest: [KeyDigest: KeyGrant] = [:]
        var digestByID: [String: KeyDigest] = [:]
        /// Keys rotated with a grace period: the replaced key's digest, still accepted until then.
        var previousDigestByID: [String: KeyDigest] = [:]
        var loaded = false

        mutating func put(_ key: VirtualKey) {
            remove(id: key.id)
            guard let digest = KeyDigest(hex: key.hash) else { return }
            byDigest[digest] = KeyGrant(key)
            digestByID[key.id] = digest
            if let previous = key.previousHash.flatMap(KeyDigest.init(hex:)), let until = key.previousValidUntil {
                var grant = KeyGrant(key)
                grant.expiresAt = min(until, key.expiresAt ?? until)
                byDigest[previous] = grant
                previousDigestByID[key.id] = previous
            }
        }

        mutating func remove(id: String) {
            if let digest = digestByID.removeValue(forKey: id) { byDigest[digest] = nil }
            if let digest = previousDigestByID.removeValue(forKey: id) { byDigest[digest] = nil }
        }
    }

    private let index = Mutex(Index())

    public init() {}

    /// Replaces the whole cache with the store's keys, read page by page so that a large store is
    /// never held twice in memory.
    public func reload(from store: KeyStore, pageSize: Int = 5000) async throws {
        var fresh = Index()
        var after: String?
        while true {
            let page = try await store.page(after: after, limit: pageSize)
            for key in page { fresh.put(key) }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.id
        }
        fresh.loaded = true
        index.withLock { $0 = fresh }
    }

    public func grant(for digest: KeyDigest) -> KeyGrant? {
        index.withLock { $0.byDigest[digest] }
    }

    public func put(_ key: VirtualKey) {
        index.withLock { $0.put(key) }
    }

    public func remove(id: String) {
        index.withLock { $0.remove(id: id) }
    }

    public var count: Int { index.withLock { $0.byDigest.count } }

    /// Whether the first full load has happened.
    public var isLoaded: Bool { index.withLock { $0.loaded } }
}
