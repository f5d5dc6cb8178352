public import GatehouseCore
import Synchronization

/// Every virtual key, in memory, by hash: the hot path's only source for API keys. Loaded at start;
/// changes made through the management API are applied here as they are written, so they hold
/// from the very next request on this instance.
public final class KeyCache: Sendable {
    private struct Index {
        var byHash: [String: VirtualKey] = [:]
        var hashByID: [String: String] = [:]
        var loaded = false
    }

    private let index = Mutex(Index())

    public init() {}

    public func load(_ keys: [VirtualKey]) {
        var fresh = Index()
        fresh.loaded = true
        for key in keys {
            fresh.byHash[key.hash] = key
            fresh.hashByID[key.id] = key.hash
        }
        index.withLock { $0 = fresh }
    }

    public func key(hash: String) -> VirtualKey? {
        index.withLock { $0.byHash[hash] }
    }

    public func put(_ key: VirtualKey) {
        index.withLock { index in
            if let old = index.hashByID[key.id], old != key.hash { index.byHash[old] = nil }
            index.byHash[key.hash] = key
            index.hashByID[key.id] = key.hash
        }
    }

    public func remove(id: String) {
        index.withLock { index in
            if let hash = index.hashByID.removeValue(forKey: id) { index.byHash[hash] = nil }
        }
    }

    public var count: Int { index.withLock { $0.byHash.count } }

    /// Whether the first full load has happened.
    public var isLoaded: Bool { index.withLock { $0.loaded } }
}
