import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("Users, teams and organizations in the store")
struct DirectoryStoreTests {
    @Test(arguments: StoreKind.allCases)
    func everyFieldRoundTrips(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            let store = identities.directory
            // Whole milliseconds: the store keeps dates to the millisecond.
            let created = Date(timeIntervalSince1970: 1_800_000_000.123)

            var organization = Organization(id: "org_1", alias: "Acme", createdAt: created)
            organization.models = ["openai/*"]
            organization.limits = Limits(maxBudget: 100, budgetDuration: "1mo", rpmLimit: 1000)
            organization.metadata = ["cost_center": "42"]
            try await store.insert(organization)

            var user = User(id: "alice", createdAt: created)
            user.email = "alice@example.com"
            user.alias = "Alice"
            user.role = .proxyAdminViewer
            user.models = ["mock-gpt"]
            user.limits = Limits(maxBudget: 5, tpmLimit: 10_000, maxParallelRequests: 2)
            user.organizationID = "org_1"
            try await store.insert(user)
            try await store.insert(User(id: "bob"))

            var team = Team(id: "team_1", createdAt: created)
            team.alias = "Search"
            team.organizationID = "org_1"
            team.models = ["openai/gpt-4o"]
            team.limits.rpmLimit = 60
            team.blocked = true
            team.members = [TeamMember(userID: "alice", role: .admin), TeamMember(userID: "bob", role: .user)]
            try await store.insert(team)

            #expect(try await store.organization(id: "org_1") == organization)
            #expect(try await store.user(id: "alice") == user)
            #expect(try await store.user(email: "alice@example.com")?.id == "alice")
            #expect(try await store.team(id: "team_1") == team)
            #expect(try await store.teams(organizationID: "org_1").map(\.id) == ["team_1"])
            #expect(try await store.memberships(userID: "alice") == ["team_1": .admin])
            #expect(try await store.users(role: .proxyAdminViewer).map(\.id) == ["alice"])
            #expect(try await store.userCount() == 2)

            try await store.setMember(TeamMember(userID: "bob", role: .admin), of: "team_1")
            try await store.removeMember(userID: "alice", from: "team_1")
            #expect(try await store.team(id: "team_1")?.members == [TeamMember(userID: "bob", role: .admin)])

            user.role = .internalUser
            try await store.update(user)
            #expect(try await store.user(id: "alice")?.role == .internalUser)

            #expect(try await store.deleteUsers(ids: ["bob"]) == 1)
            #expect(try await store.team(id: "team_1")?.members == [])
            #expect(try await store.deleteTeams(ids: ["team_1", "nope"]) == 1)
            #expect(try await store.deleteOrganizations(ids: ["org_1"]) == 1)
            #expect(try await store.organizations().isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func twoUsersCannotShareAnEmail(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = IdentityStore(source: source)
            try await store.migrate()
            var first = User(id: "a")
            first.email = "same@example.com"
            try await store.directory.insert(first)
            var second = User(id: "b")
            second.email = "same@example.com"
            await #expect(throws: (any Error).self) { try await store.directory.insert(second) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theCacheLoadsTheDirectoryAndIntersectsModelsAlongTheChain(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = IdentityStore(source: source)
            try await store.migrate()
            var organization = Organization(id: "org", alias: "Org")
            organization.models = ["mock-gpt", "openai/*"]
            try await store.directory.insert(organization)
            var team = Team(id: "team")
            team.organizationID = "org"
            team.models = ["mock-gpt", "beta"]
            try await store.directory.insert(team)
            var user = User(id: "u")
            user.role = .proxyAdminViewer
            user.models = ["openai/gpt-4o"]
            try await store.directory.insert(user)

            let teamRaw = APIKeyFormat.generate()
            var teamKey = VirtualKey(id: "k1", hash: APIKeyFormat.hash(teamRaw), display: "")
            teamKey.teamID = "team"
            teamKey.userID = "u"
            try await store.keys.insert(teamKey)
            let personalRaw = APIKeyFormat.generate()
            var personalKey = VirtualKey(id: "k2", hash: APIKeyFormat.hash(personalRaw), display: "")
            personalKey.userID = "u"
            try await store.keys.insert(personalKey)

            let cache = IdentityCache()
            try await cache.reload(from: store)
            let resolvedTeamKey = try #require(cache.resolve(KeyDigest(key: teamRaw)))
            #expect(resolvedTeamKey.role == .proxyAdminViewer)
            #expect(
                resolvedTeamKey.inheritedModels == [ModelBound(.team, ["mock-gpt", "beta"]), ModelBound(.organization, ["mock-gpt", "openai/*"])])
            // A personal key is bounded by its user's models, not by a team.
            #expect(cache.resolve(KeyDigest(key: personalRaw))?.inheritedModels == [ModelBound(.user, ["openai/gpt-4o"])])

            team.blocked = true
            try await store.directory.update(team)
            try await cache.refresh(.team("team"), from: store)
            #expect(cache.resolve(KeyDigest(key: teamRaw))?.teamBlocked == true)
            _ = try await store.directory.deleteUsers(ids: ["u"])
            try await cache.refresh(.user("u"), from: store)
            #expect(cache.resolve(KeyDigest(key: teamRaw))?.role == .internalUser)
        }
    }
}
