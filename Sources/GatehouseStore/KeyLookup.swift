public import Foundation
public import GatehouseCore

/// A key by its digest or id: from the identity cache, and — when the cache is bounded
/// (`key_cache_size`) — on a miss from the store (one indexed lookup), held from then on. A
/// well-formed digest the store does not hold is remembered as unknown for `unknownSeconds`, so
/// that random keys cannot make every request a store lookup. Revocation needs nothing more: a
/// held key is removed by the change feed, and one not held is read as it is now.
public struct KeyLookup: Sendable {
    public let cache: IdentityCache
    let store: KeyStore?
    let unknownSeconds: Double

    /// - Parameter store: where a bounded cache reads the keys it does not hold (nil: the cache
    ///   holds every key).
    public init(cache: IdentityCache, store: KeyStore?, unknownSeconds: Double = 30) {
        self.cache = cache
        self.store = cache.keyCapacity == nil ? nil : store
        self.unknownSeconds = unknownSeconds
    }

    /// The key with this digest (its current secret, or a replaced one within its grace period).
    /// - Parameter fromStore: whether a bounded cache may ask the store (false for a secret that
    ///   cannot be a key, such as a JWT, which would otherwise cost a lookup per token).
    /// - Throws: `GatewayError.unavailable` when the store cannot be read (fail closed).
    ///
    /// Runs where its caller runs (`nonisolated(nonsending)`; this module is not built with that
    /// default): it is called for every request with a key, nearly always answered from memory,
    /// and a hop to the generic executor and back cost two executor switches each time.
    nonisolated(nonsending) public func resolve(_ digest: KeyDigest, at now: Date, fromStore: Bool = true) async throws -> ResolvedKey? {
        if let resolved = cache.resolve(digest) { return resolved }
        guard let store, fromStore, !cache.isKnownUnknown(digest, at: now) else { return nil }
        let found: VirtualKey?
        do {
            let current = try await store.key(hash: digest.hex)
            found = current != nil ? current : try await store.key(previousHash: digest.hex)
        } catch {
            throw GatewayError.unavailable("The key could not be checked right now.")
        }
        guard let found else {
            cache.rememberUnknown(digest, until: now.addingTimeInterval(unknownSeconds))
            return nil
        }
        cache.admit(found)
        return cache.resolve(digest)
    }

    /// Makes sure a bounded cache holds the key with this id (a token whose claim names a key),
    /// so that the principal can be built from the cache; nothing to do when every key is held.
    public func hold(keyID: String) async throws {
        guard store != nil else { return }
        _ = try await resolve(keyID: keyID)
    }

    /// The key with this id (a token whose claim names a key), read from the store when a
    /// bounded cache does not hold it.
    public func resolve(keyID: String) async throws -> ResolvedKey? {
        if let resolved = cache.resolve(keyID: keyID) { return resolved }
        guard let store else { return nil }
        let found: VirtualKey?
        do {
            found = try await store.key(id: keyID)
        } catch {
            throw GatewayError.unavailable("The key could not be checked right now.")
        }
        guard let found else { return nil }
        cache.admit(found)
        return cache.resolve(keyID: keyID)
    }
}
