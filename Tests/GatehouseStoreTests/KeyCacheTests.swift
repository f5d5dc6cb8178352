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
        // SHA-256's own test vectors (FIPS 180-2), and keys of other lengths and scripts.
        #expect(KeyDigest(key: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(KeyDigest(key: "").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for other in ["k", "sk-é🔑", String(repeating: "x", count: 1000), String(raw.dropFirst(3))] {
            #expect(KeyDigest(key: other) == KeyDigest(hex: APIKeyFormat.hash(other)))
            #expect(KeyDigest(hex: KeyDigest(key: other).hex) == KeyDigest(key: other))
        }
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

    /// A key's chain as a request reads it: each level's limits in order (key, user, the user's
    /// own bounds in the team, team, organization), a member's shared budget under its own
    /// subject, each level's models, and the accounts its spend is charged to.
    @Test func aKeysChainHasEachLevelInOrder() throws {
        let cache = IdentityCache()
        var budget = Budget(id: "tight")
        budget.limits.rpmLimit = 5
        cache.put(budget)
        var organization = Organization(id: "o", alias: "o")
        organization.models = ["gpt-4o"]
        organization.limits.tpmLimit = 1000
        cache.put(organization)
        for name in ["ann", "bob"] {
            var user = User(id: name)
            user.limits.maxBudget = 10
            cache.put(user)
        }
        var team = Team(id: "t")
        team.organizationID = "o"
        team.models = ["gpt-4o", "gpt-4o-mini"]
        team.limits.rpmLimit = 100
        var bob = TeamMember(userID: "bob", role: .user, models: ["gpt-4o"])
        bob.budgetID = "tight"
        team.members = [TeamMember(userID: "ann", role: .user), bob]
        cache.put(team)

        func resolved(_ user: String) throws -> ResolvedKey {
            let raw = APIKeyFormat.generate()
            var stored = key(raw)
            (stored.userID, stored.teamID, stored.organizationID) = (user, "t", "o")
            stored.limits.rpmLimit = 50
            cache.put(stored)
            return try #require(cache.resolve(KeyDigest(key: raw)))
        }
        let bobs = try resolved("bob")
        #expect(bobs.limitSubjects.map(\.id) == ["key:\(bobs.grant.id)", "user:bob", "team_member:t/bob", "team:t", "organization:o"])
        #expect(bobs.limitSubjects[2].limits.rpmLimit == 5)
        #expect(bobs.inheritedModels.map(\.level) == [.team, .teamMember, .organization])
        #expect(bobs.accounts.map(\.id) == ["key:\(bobs.grant.id)", "user:bob", "team:t", "organization:o"])
        // A member with neither bounds nor a budget of its own adds no level.
        let anns = try resolved("ann")
        #expect(anns.limitSubjects.map(\.id) == ["key:\(anns.grant.id)", "user:ann", "team:t", "organization:o"])
        #expect(anns.inheritedModels.map(\.level) == [.team, .organization])
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

    @Test func aReadFromBeforeAChangeCannotUndoIt() {
        let cache = IdentityCache()
        let raw = APIKeyFormat.generate()
        var old = key(raw)
        old.userID = "u"
        old.updatedAt = Date().addingTimeInterval(-10)
        var blocked = old
        blocked.blocked = true
        blocked.updatedAt = old.updatedAt.addingTimeInterval(1)
        cache.put(blocked)
        // A poll that read the key before it was blocked delivers the old state afterwards.
        cache.put(old)
        #expect(cache.resolve(KeyDigest(key: raw))?.grant.blocked == true)
        // Deleted stays deleted, whatever an older read says.
        cache.remove(.key(old.id))
        cache.put(blocked)
        #expect(cache.resolve(KeyDigest(key: raw)) == nil)

        var team = Team(id: "t", createdAt: Date())
        team.blocked = true
        cache.put(team)
        var stale = team
        stale.blocked = false
        stale.updatedAt = team.updatedAt.addingTimeInterval(-5)
        cache.put(stale)
        #expect(cache.chain(userID: nil, teamID: "t", organizationID: nil).teamBlocked)
        // A user deleted and created again under the same id is back.
        var user = User(id: "u", createdAt: Date().addingTimeInterval(-10))
        user.role = .proxyAdminViewer
        cache.put(user)
        cache.remove(.user("u"))
        cache.put(user)
        let other = APIKeyFormat.generate()
        var owned = key(other)
        owned.userID = "u"
        cache.put(owned)
        #expect(cache.resolve(KeyDigest(key: other))?.role == .internalUser)
        user.updatedAt = Date().addingTimeInterval(1)
        cache.put(user)
        #expect(cache.resolve(KeyDigest(key: other))?.role == .proxyAdminViewer)
    }
}
