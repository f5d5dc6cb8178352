import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("Key cache")
struct KeyCacheTests {
    func key(_ raw: String) -> VirtualKey {
        VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw))
    }

    @Test func digestsOfAKeyAndOfItsStoredHashAgree() {
        let raw = APIKeyFormat.generate()
        #expect(KeyDigest(key: raw) == KeyDigest(hex: APIKeyFormat.hash(raw)))
        #expect(KeyDigest(key: raw) != KeyDigest(key: raw + "x"))
        #expect(KeyDigest(hex: "zz") == nil)
    }

    @Test func putReplaceAndRemove() {
        let cache = IdentityCache()
        let raw = APIKeyFormat.generate()
        var stored = key(raw)
        cache.put(stored)
        #expect(cache.resolve(KeyDigest(key: raw))?.grant.id == stored.id)
        // Rotation: the same id with a new hash drops the old one.
        let rotated = APIKeyFormat.generate()
        stored.hash = APIKeyFormat.hash(rotated)
        cache.put(stored)
        #expect(cache.resolve(KeyDigest(key: raw)) == nil)
        #expect(cache.resolve(KeyDigest(key: rotated))?.grant.id == stored.id)
        cache.remove(.key(stored.id))
        #expect(cache.count == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func reloadReadsEveryPage(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = KeyStore(source: source)
            try await store.migrate()
            let raws = (0..<23).map { _ in APIKeyFormat.generate() }
            for raw in raws { try await store.insert(key(raw)) }
            let cache = IdentityCache()
            try await cache.reload(from: IdentityStore(source: source), pageSize: 5)
            #expect(cache.isLoaded)
            #expect(cache.count == 23)
            #expect(raws.allSatisfy { cache.resolve(KeyDigest(key: $0)) != nil })
        }
    }
}
