import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("A bounded key cache (`key_cache_size`) over SQLite and PostgreSQL")
struct BoundedKeyCacheTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(_ index: Int) -> VirtualKey {
        VirtualKey(id: "key-\(index)", hash: APIKeyFormat.hash(secret(index)), display: "sk-…\(index)", createdAt: now)
    }

    static func secret(_ index: Int) -> String { "sk-bounded-cache-test-secret-\(index)" }
    static func digest(_ index: Int) -> KeyDigest { KeyDigest(key: secret(index)) }

    /// The id of the key the lookup finds for this digest, if any.
    static func found(_ lookup: KeyLookup, _ digest: KeyDigest, at time: Date = now) async throws -> String? {
        try await lookup.resolve(digest, at: time)?.grant.id
    }

    /// A store holding keys 0..<count, a cache of `capacity` keys loaded from it, and its lookup.
    func withCache(
        _ kind: StoreKind, keys count: Int, capacity: Int, _ body: @Sendable (IdentityStore, IdentityCache, KeyLookup) async throws -> Void
    ) async throws {
        try await StoreFixture.withSource(kind) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            for index in 0..<count { try await identities.keys.insert(Self.key(index)) }
            let cache = IdentityCache(keyCapacity: capacity)
            try await cache.reload(from: identities)
            try await body(identities, cache, KeyLookup(cache: cache, store: identities.keys, unknownSeconds: 30))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keysComeOnFirstUseAndTheLeastRecentlyUsedLeave(kind: StoreKind) async throws {
        try await withCache(kind, keys: 5, capacity: 3) { _, cache, lookup in
            #expect(cache.count == 0 && cache.isLoaded, "start-up loads no key")
            for index in 0..<3 { #expect(try await Self.found(lookup, Self.digest(index)) == "key-\(index)") }
            #expect(cache.count == 3)
            #expect(cache.resolve(Self.digest(0)) != nil, "held: served from memory")
            // A fourth key: past the capacity, the least recently used go (key-1, key-2), down to 90%.
            #expect(try await Self.found(lookup, Self.digest(3)) == "key-3")
            #expect(cache.count == 2 && cache.resolve(Self.digest(0)) != nil && cache.resolve(Self.digest(3)) != nil)
            #expect(cache.resolve(Self.digest(1)) == nil)
            // An evicted key is read again on its next use.
            #expect(try await Self.found(lookup, Self.digest(1)) == "key-1")
            let named = try await lookup.resolve(keyID: "key-4")
            #expect(named?.grant.id == "key-4", "a token naming a key reads it too")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anUnknownKeyIsRememberedUntilItIsCreatedOrItsTimeRunsOut(kind: StoreKind) async throws {
        try await withCache(kind, keys: 0, capacity: 100) { identities, cache, lookup in
            #expect(try await lookup.resolve(Self.digest(7), at: Self.now) == nil)
            #expect(cache.isKnownUnknown(Self.digest(7), at: Self.now + 1))
            // Written to the store behind the cache's back: still unknown until the time runs out.
            try await identities.keys.insert(Self.key(7))
            #expect(try await lookup.resolve(Self.digest(7), at: Self.now + 29) == nil)
            #expect(try await Self.found(lookup, Self.digest(7), at: Self.now + 31) == "key-7")
            // Created through a route or reported by the change feed: known at once.
            #expect(try await lookup.resolve(Self.digest(8), at: Self.now) == nil)
            try await identities.keys.insert(Self.key(8))
            cache.put(Self.key(8))
            #expect(try await Self.found(lookup, Self.digest(8), at: Self.now + 1) == "key-8")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func revocationReachesHeldKeysAndKeysNotHeld(kind: StoreKind) async throws {
        try await withCache(kind, keys: 3, capacity: 100) { identities, cache, lookup in
            // Held, then blocked on another instance: the change feed's copy replaces it.
            let held = try await lookup.resolve(Self.digest(0), at: Self.now)
            #expect(held?.grant.blocked == false)
            var blocked = Self.key(0)
            blocked.blocked = true
            blocked.updatedAt = Self.now + 5
            try await identities.keys.update(blocked)
            cache.put(blocked)
            let replaced = try await lookup.resolve(Self.digest(0), at: Self.now)
            #expect(replaced?.grant.blocked == true)
            // Held, then deleted on another instance: the feed removes it; the store has it no more.
            #expect(try await lookup.resolve(Self.digest(1), at: Self.now) != nil)
            _ = try await identities.keys.delete(ids: ["key-1"])
            cache.remove(.key("key-1"))
            #expect(try await lookup.resolve(Self.digest(1), at: Self.now) == nil)
            // Never held, deleted: the store is asked and says no.
            _ = try await identities.keys.delete(ids: ["key-2"])
            #expect(try await lookup.resolve(Self.digest(2), at: Self.now) == nil)
            // A read from before a deletion cannot bring the key back.
            cache.remove(.key("key-5"))
            cache.admit(VirtualKey(id: "key-5", hash: APIKeyFormat.hash(Self.secret(5)), display: "sk-…5", createdAt: Date() - 60))
            #expect(cache.resolve(Self.digest(5)) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReplacedSecretIsFoundByItsPreviousHashDuringTheGracePeriod(kind: StoreKind) async throws {
        try await withCache(kind, keys: 0, capacity: 100) { identities, _, lookup in
            var key = Self.key(9)
            key.hash = APIKeyFormat.hash("sk-bounded-cache-test-new-secret")
            key.previousHash = APIKeyFormat.hash(Self.secret(9))
            key.previousValidUntil = Self.now + 3600
            try await identities.keys.insert(key)
            let old = try await lookup.resolve(Self.digest(9), at: Self.now)
            #expect(old?.grant.id == "key-9" && old?.grant.expiresAt == Self.now + 3600)
            #expect(try await Self.found(lookup, KeyDigest(key: "sk-bounded-cache-test-new-secret")) == "key-9")
        }
    }

    /// At a thousand keys, eviction keeps what was used lately and holds the count within the
    /// capacity — without sorting (a pass per tenth of the span of use).
    @Test func evictionKeepsTheRecentlyUsedAtScale() {
        let cache = IdentityCache(keyCapacity: 1000)
        for index in 0..<1000 { cache.admit(Self.key(index)) }
        for index in 0..<100 { _ = cache.resolve(Self.digest(index)) }  // used again: the most recent
        for index in 1000..<1100 { cache.admit(Self.key(index)) }
        #expect(cache.count <= 1000 && cache.count >= 900)
        #expect((0..<100).allSatisfy { cache.resolve(Self.digest($0)) != nil }, "recently used keys stay")
        #expect((1000..<1100).allSatisfy { cache.resolve(Self.digest($0)) != nil }, "just admitted keys stay")
        #expect((100..<200).contains { cache.resolve(Self.digest($0)) == nil }, "the least recently used went")
    }

    /// A secret that cannot be a key (a JWT) is not looked up in the store, nor remembered as
    /// unknown; a token naming a key makes the cache hold it.
    @Test(arguments: StoreKind.allCases)
    func onlyWhatMayBeAKeyIsLookedUpAndATokensKeyIsHeld(kind: StoreKind) async throws {
        try await withCache(kind, keys: 2, capacity: 100) { _, cache, lookup in
            #expect(try await lookup.resolve(Self.digest(0), at: Self.now, fromStore: false) == nil)
            #expect(!cache.isKnownUnknown(Self.digest(0), at: Self.now) && cache.count == 0)
            try await lookup.hold(keyID: "key-1")
            #expect(cache.resolve(Self.digest(1))?.grant.id == "key-1")
        }
    }
}
