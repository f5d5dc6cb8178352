import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import Testing

@testable import GatehouseMetering

@Suite("Where a chain of limits stands (the console's limits panel)")
struct LimitStandingTests {
    func level(_ level: LimitLevel, _ limits: Limits, spent: Double = 0, minute: Int = 0, day: Int = 0) -> LimitStanding.Level {
        LimitStanding.Level(
            level: level, id: level.rawValue, limits: limits, spent: USD(dollars: spent), budgetResets: nil,
            used: .init(minuteRequests: minute, dayRequests: day))
    }

    @Test func theLevelWithTheLeastRoomBindsEachMeasureAndATieGoesToTheLowerLevel() {
        let standing = LimitStanding(
            levels: [
                level(.key, Limits(maxBudget: 5, rpmLimit: 10), spent: 4, minute: 8),  // $1 left, 2 requests left
                level(.user, Limits(rpmLimit: 3), minute: 1),  // 2 left: a tie with the key
                level(.team, Limits(maxBudget: 100, rpdLimit: 50), spent: 99.5, day: 10),  // $0.50 left
                level(.organization, Limits(maxBudget: 1000, rpmLimit: 100), spent: 1200),  // overspent: no room
            ], dayEnds: Date())
        #expect(standing.binding(.budget) == 3, "an overspent level has no room at all")
        #expect(standing.binding(.requestsPerMinute) == 0, "the key and the user both have 2 left: the lower level")
        #expect(standing.binding(.requestsPerDay) == 2)
        #expect(standing.binding(.tokensPerMinute) == nil, "no level limits tokens")
        #expect(standing.levels[3].room(.budget) == 0 && standing.levels[2].room(.budget) == 0.5)
    }

    @Test func spendAndRateUseAreReadForEveryLevelWithTheBudgetPeriodsEnd() async throws {
        let calendar = try #require(BudgetPeriod.calendar(timeZone: nil))
        let ledger = BudgetLedger(calendar: calendar)
        let limiter = RateLimiter(calendar: calendar)
        let source = try await SQLiteSource.inMemory(logger: Logger(label: "limit-standing-test"))
        do {
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            try await check(SpendStore(source: source), ledger: ledger, limiter: limiter, calendar: calendar)
        } catch {
            try await source.close()
            throw error
        }
        try await source.close()
    }

    func check(_ store: SpendStore, ledger: BudgetLedger, limiter: RateLimiter, calendar: Calendar) async throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let team = LimitSubject(id: "team:t", level: .team, limits: Limits(maxBudget: 10, budgetDuration: "1d", rpmLimit: 5))
        let key = LimitSubject(id: "key:k", level: .key, limits: Limits())
        var record = SpendRecord(
            requestID: "r1", startedAt: now.addingTimeInterval(-5), principalID: "k", method: "api_key", model: "m",
            usage: Usage(promptTokens: 1, completionTokens: 1), cost: USD(dollars: 2.5), status: 200,
            charges: [ledger.charge(for: team, at: now), ledger.charge(for: key, at: now)])
        record.keyID = "k"
        record.teamID = "t"
        try await store.write([record])
        _ = limiter.admit([team], at: now.timeIntervalSince1970 - 5)

        let lookup = SpendLookup(store: store, writer: nil, settlements: nil, ledger: ledger, limiter: limiter)
        let standing = try await lookup.standing(of: [key, team], at: now)
        #expect(standing.levels.map(\.id) == ["k", "t"])
        #expect(standing.levels[1].spent == USD(dollars: 2.5) && standing.levels[1].used.minuteRequests == 1)
        #expect(standing.levels[1].budgetResets == calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: now)))
        #expect(standing.levels[0].budgetResets == nil && standing.levels[0].spent == USD(dollars: 2.5))
        #expect(standing.binding(.budget) == 1 && standing.binding(.requestsPerMinute) == 1)

        // Before the request: nothing spent yet, nothing in its minute.
        let before = try await lookup.standing(of: [key, team], before: record)
        #expect(before.levels.allSatisfy { $0.spent == .zero && $0.used.minuteRequests == 0 })
    }
}
