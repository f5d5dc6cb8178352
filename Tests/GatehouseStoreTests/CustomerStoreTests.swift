import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("End users and shared budgets in the store")
struct CustomerStoreTests {
    @Test(arguments: StoreKind.allCases)
    func everyFieldRoundTripsAndReferencesAreFound(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            let store = identities.customers
            let created = Date(timeIntervalSince1970: 1_800_000_000.123)

            var budget = Budget(id: "free", createdAt: created)
            budget.limits = Limits(maxBudget: 2.5, softBudget: 2, budgetDuration: "1d", rpmLimit: 10, tpdLimit: 1000)
            budget.limits.budgetAdmission = .spend
            budget.createdBy = "admin"
            try await store.insert(budget)
            #expect(try await store.budget(id: "free") == budget)

            var endUser = EndUser(id: "Acme-1", createdAt: created)
            endUser.alias = "Acme Corp"
            endUser.blocked = true
            endUser.budgetID = "free"
            endUser.allowedModelRegion = "eu"
            endUser.defaultModel = "mock-gpt"
            endUser.models = ["mock-gpt"]
            endUser.metadata = ["tier": "gold"]
            try await store.insert(endUser)
            try await store.insert(EndUser(id: "beta", createdAt: created))
            #expect(try await store.endUser(id: "Acme-1") == endUser)

            // Search is by id or alias, in any case; paging in id order.
            #expect(try await store.endUsers(search: "acme", limit: 10, offset: 0).map(\.id) == ["Acme-1"])
            #expect(try await store.endUsers(search: "CORP", limit: 10, offset: 0).map(\.id) == ["Acme-1"])
            #expect(try await store.endUsers(search: nil, limit: 1, offset: 1).map(\.id) == ["beta"])
            #expect(try await store.endUsers(search: "%", limit: 10, offset: 0).count == 2)

            var key = VirtualKey(id: "k1", hash: String(repeating: "a", count: 64), display: "sk-…aaaa", createdAt: created)
            key.budgetID = "free"
            try await identities.keys.insert(key)
            #expect(try await identities.keys.key(id: "k1")?.budgetID == "free")
            var team = Team(id: "t1", createdAt: created)
            var member = TeamMember(userID: "bob", role: .user)
            member.budgetID = "free"
            team.members = [member]
            try await identities.directory.insert(team)
            #expect(try await identities.directory.team(id: "t1")?.members.first?.budgetID == "free")
            #expect(Set(try await store.references(toBudget: "free")) == ["end_user:Acme-1", "key:k1", "team_member:t1/bob"])
            #expect(try await store.references(toBudget: "other").isEmpty)

            #expect(try await store.deleteEndUsers(ids: ["Acme-1", "nobody"]) == 1)
            #expect(try await store.deleteBudgets(ids: ["free"]) == 1)
            #expect(try await store.budgets().isEmpty)
        }
    }
}
