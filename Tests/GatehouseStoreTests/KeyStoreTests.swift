import Foundation
import GatehouseCore
import GatehouseStore
import SQLKit
import Testing

@Suite("Key store (SQLite and PostgreSQL)")
struct KeyStoreTests {
    func sampleKey(user: String? = "u1") -> (String, VirtualKey) {
        let raw = APIKeyFormat.generate()
        var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw))
        key.alias = "ci-key"
        key.models = ["gpt-4o", "openai/*"]
        key.metadata = ["team": "search", "n": 3]
        key.userID = user
        key.limits = Limits(maxBudget: 12.5, budgetDuration: "30d", rpmLimit: 60, tpmLimit: 100_000, maxParallelRequests: 4)
        key.allowedRoutes = ["llm_api_routes"]
        key.expiresAt = Date(timeIntervalSince1970: 1_900_000_000.123)
        key.previousHash = APIKeyFormat.hash("sk-previous")
        key.previousValidUntil = Date(timeIntervalSince1970: 1_850_000_000)
        return (raw, key)
    }

    @Test(arguments: StoreKind.allCases)
    func migrationsApplyOnceAndCreateTheSchema(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let first = try await source.withDatabase { try await Migrations.migrate($0) }
            let second = try await source.withDatabase { try await Migrations.migrate($0) }
            #expect(first == Migrations.versions && first == Array(1...first.count))
            #expect(second.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keysRoundTripEveryField(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = KeyStore(source: source)
            try await store.migrate()
            let (raw, key) = sampleKey()
            try await store.insert(key)
            let byID = try #require(try await store.key(id: key.id))
            #expect(byID.id == key.id && byID.hash == key.hash && byID.display == key.display)
            #expect(byID.models == key.models && byID.metadata == key.metadata && byID.allowedRoutes == key.allowedRoutes)
            #expect(byID.limits == Limits(maxBudget: 12.5, budgetDuration: "30d", rpmLimit: 60, tpmLimit: 100_000, maxParallelRequests: 4))
            #expect(byID.userID == "u1" && byID.teamID == nil && !byID.blocked)
            #expect(byID.expiresAt?.timeIntervalSince1970 == 1_900_000_000.123)
            #expect(byID.previousHash == key.previousHash && byID.previousValidUntil == key.previousValidUntil)
            let byHash = try await store.key(hash: APIKeyFormat.hash(raw))
            #expect(byHash?.id == key.id)
            #expect(try await store.key(hash: APIKeyFormat.hash(raw + "x")) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updatesListsAndDeletes(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = KeyStore(source: source)
            try await store.migrate()
            var keys: [VirtualKey] = []
            for index in 0..<5 {
                var key = sampleKey(user: index % 2 == 0 ? "even" : "odd").1
                key.createdAt = Date(timeIntervalSince1970: 1_800_000_000 + Double(index))
                keys.append(key)
                try await store.insert(key)
            }
            var changed = keys[0]
            changed.blocked = true
            changed.models = []
            changed.expiresAt = nil
            try await store.update(changed)
            let reloaded = try await store.key(id: changed.id)
            #expect(reloaded?.blocked == true && reloaded?.models == [] && reloaded?.expiresAt == nil)

            #expect(try await store.list(userID: "even").map(\.id) == [keys[0].id, keys[2].id, keys[4].id])
            #expect(try await store.list(limit: 2, offset: 1).map(\.id) == [keys[1].id, keys[2].id])
            #expect(try await store.count() == 5)
            #expect(try await store.count(userID: "odd") == 2)
            #expect(try await store.delete(ids: [keys[1].id, "key_missing"]) == 1)
            #expect(try await store.all().count == 4)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDuplicateHashIsRefused(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = KeyStore(source: source)
            try await store.migrate()
            let key = sampleKey().1
            try await store.insert(key)
            var twin = key
            twin.id = VirtualKey.newID()
            await #expect(throws: (any Error).self) { try await store.insert(twin) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theChangeLogIsReadInOrderAfterASequenceNumber(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            try await KeyStore(source: source).migrate()
            let log = ChangeLog(source: source)
            #expect(try await log.latest() == 0)
            let changes: [IdentityChange] = [.key("a"), .team("t"), .user("u"), .organization("o")]
            for change in changes { try await log.record(change) }
            let all = try await log.changes(after: 0)
            #expect(all.map(\.change) == changes)
            #expect(try await log.latest() == all.last?.seq)
            #expect(try await log.changes(after: all[0].seq).map(\.change) == Array(changes.dropFirst()))
        }
    }

    @Test func aFileDatabaseSurvivesReopening() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-\(UUID().uuidString)/gatehouse.sqlite").path
        let key = sampleKey().1
        let first = try await SQLiteSource.open(path: path, logger: StoreFixture.logger)
        try await KeyStore(source: first).migrate()
        try await KeyStore(source: first).insert(key)
        try await first.close()
        let second = try await SQLiteSource.open(path: path, logger: StoreFixture.logger)
        let store = KeyStore(source: second)
        try await store.migrate()
        #expect(try await store.key(id: key.id)?.hash == key.hash)
        try await second.close()
    }
}
