import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseProviders
import GatehouseStore
import Logging
import Testing

@testable import GatehouseMetering

/// Admission and billing with no HTTP anywhere: a router over the mock provider, the ledger, the
/// spend writer's queue.
@Suite("Metering")
struct MeteringTests {
    /// Input free, output $0.001 a token: 10 completion tokens cost $0.01.
    static let priced: Deployment = {
        var deployment = Deployment.mock(modelName: "priced")
        deployment.inputCostPerToken = 0
        deployment.outputCostPerToken = 0.001
        return deployment
    }()

    static let request = ForwardRequest(
        endpoint: .chatCompletions, model: "priced",
        body: ["model": "priced", "messages": [["role": "user", "content": "hi"]], "max_tokens": 10], stream: false,
        clientWantsUsage: false)

    static func principal(budget: Double?) -> Principal {
        var principal = Principal(id: "key_k", method: .apiKey, role: .internalUser)
        principal.keyID = "k"
        principal.limitSubjects = [LimitSubject(id: LimitLevel.key.subject("k"), level: .key, limits: Limits(maxBudget: budget))]
        return principal
    }

    static func withMetering(spendQueueLimit: Int = 100, _ body: (Metering, SpendWriter) async throws -> Void) async throws {
        let router = ModelRouter(
            adapters: [ProviderAdapter(deployment: priced, transport: MockUpstream(model: "priced", settings: priced.mock))],
            settings: RouterSettings())
        var settings = MeteringSettings()
        settings.spendQueueLimit = spendQueueLimit
        let logger = Logger(label: "metering-test")
        let source = try await SQLiteSource.inMemory(logger: logger)
        // Not running: nothing is written, so the queue only grows.
        let writer = SpendWriter(store: SpendStore(source: source), logger: logger)
        let metering = Metering(
            router: router, settings: settings, holdSeconds: 60, ledger: BudgetLedger(), limiter: RateLimiter(), writer: writer,
            settlements: Settlements(), shared: nil, sync: nil, logger: logger)
        do {
            try await body(metering, writer)
        } catch {
            try await source.close()
            throw error
        }
        try await source.close()
    }

    /// A key's accounts come built from the identity cache; they must be exactly those the
    /// metering derives from the principal's ids and limits, whatever each level sets.
    @Test func aKeysPrebuiltAccountsAreTheOnesDerivedFromItsChain() throws {
        let cache = IdentityCache()
        var user = User(id: "u", createdAt: Date())
        user.limits = Limits(maxBudget: 5)
        cache.put(user)
        cache.put(Team(id: "t", createdAt: Date()))
        var organization = Organization(id: "o", alias: "o")
        organization.limits = Limits(rpmLimit: 10)
        cache.put(organization)
        var budget = Budget(id: "b")
        budget.limits = Limits(maxBudget: 1)
        cache.put(budget)
        func key(_ raw: String, user: String?, team: String?, organization: String?, limits: Limits = Limits(), budget: String? = nil) -> KeyDigest {
            var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw))
            (key.userID, key.teamID, key.organizationID, key.limits, key.budgetID) = (user, team, organization, limits, budget)
            cache.put(key)
            return KeyDigest(key: raw)
        }
        let keys = [
            key(APIKeyFormat.generate(), user: "u", team: "t", organization: "o"),
            key(APIKeyFormat.generate(), user: "u", team: "t", organization: "o", limits: Limits(maxBudget: 2, rpmLimit: 3)),
            key(APIKeyFormat.generate(), user: nil, team: "t", organization: nil, budget: "b"),
            // Levels the cache does not hold (removed, or not loaded yet).
            key(APIKeyFormat.generate(), user: "gone", team: "gone", organization: "gone"),
        ]
        for digest in keys {
            let resolved = try #require(cache.resolve(digest))
            let principal = Principal(id: resolved.grant.id, method: .apiKey, actingAs: resolved)
            var derived = principal
            derived.accounts = nil
            #expect(principal.accounts != nil)
            #expect(Metering.accounts(of: principal) == Metering.accounts(of: derived))
            // Changing what the accounts follow from drops the built list: a user removed, or
            // limits a token carries (charged first, before the chain).
            var changed = principal
            changed.userID = nil
            #expect(changed.accounts == nil)
            #expect(Metering.accounts(of: changed).allSatisfy { $0.level != .user })
            var carrying = principal
            carrying.carry(Limits(maxBudget: 3), as: .token, id: "claims")
            #expect(carrying.accounts == nil)
            #expect(Metering.accounts(of: carrying) == [carrying.limitSubjects[0]] + Metering.accounts(of: principal))
        }
        let first = try #require(cache.resolve(keys[0]))
        #expect(first.accounts.map(\.id) == ["key:\(first.grant.id)", "user:u", "team:t", "organization:o"])
        #expect(first.accounts.map(\.maxBudget) == [nil, USD(dollars: 5), nil, nil])
        // A key under a shared budget is charged with the budget's limits.
        let shared = try #require(cache.resolve(keys[2]))
        #expect(shared.accounts.first?.maxBudget == USD(dollars: 1))
    }

    @Test func aBudgetAdmitsWhatItAffordsAndEachRequestIsBilledOnce() async throws {
        try await Self.withMetering { metering, writer in
            let principal = Self.principal(budget: 0.02)
            for _ in 0..<2 {
                let admitted = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)
                let used = Usage(promptTokens: 7, completionTokens: 10)
                #expect(admitted.finish(usage: used, deployment: Self.priced, status: 200) == USD(dollars: 0.01))
                #expect(admitted.finish(usage: used, deployment: Self.priced, status: 200) == .zero)
            }
            let refusal = await #expect(throws: GatewayError.self) {
                _ = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)
            }
            #expect(refusal?.status == 400 && refusal?.type == "budget_exceeded")
            #expect(writer.backlog == 2)
        }
    }

    @Test func aRequestDroppedWithoutAnOutcomeGivesBackItsHold() async throws {
        try await Self.withMetering { metering, writer in
            let principal = Self.principal(budget: 0.01)
            _ = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)  // dropped at once
            let admitted = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)
            #expect(admitted.finish(usage: Usage(promptTokens: 7, completionTokens: 10), deployment: Self.priced, status: 200) == USD(dollars: 0.01))
            #expect(writer.backlog == 2)
        }
    }

    @Test func aFullSpendQueueRefusesBeforeAnythingIsHeld() async throws {
        try await Self.withMetering(spendQueueLimit: 1) { metering, writer in
            let principal = Self.principal(budget: nil)
            let first = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)
            _ = first.finish(usage: nil, deployment: Self.priced, status: 200)
            let refusal = await #expect(throws: GatewayError.self) {
                _ = try await metering.admit(Self.request, bodyBytes: 100, principal: principal)
            }
            #expect(refusal?.status == 503 && refusal?.code == "spend_queue_full")
            #expect(writer.backlog == 1)
        }
    }

    @Test func fitFindsTheMostTokensTheRoomBuys() {
        // $0.000001 a prompt token, $0.00001 a completion token; a prompt bound of 100 tokens.
        let price = TokenPrice(input: Decimal(string: "0.000001")!, output: Decimal(string: "0.00001")!)
        let room = USD(dollars: 0.0011)
        // 100 × 0.000001 = 0.0001; 0.001 left buys 100 completion tokens, 50 each for two choices.
        #expect(Metering.fittingTokens(price, promptBound: 100, choices: 1, room: room) == 100)
        #expect(Metering.fittingTokens(price, promptBound: 100, choices: 2, room: room) == 50)
        #expect(Metering.fittingTokens(price, promptBound: 100, choices: 1, room: USD(dollars: 0.00109)) == 99)
        #expect(Metering.fittingTokens(price, promptBound: 2000, choices: 1, room: room) == nil)
        let free = TokenPrice(input: 0, output: 0)
        #expect(Metering.fittingTokens(free, promptBound: 100, choices: 1, room: .zero) == InputBounds.tokens)
    }

}
