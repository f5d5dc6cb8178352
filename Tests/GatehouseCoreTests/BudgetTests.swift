import Foundation
import GatehouseCore
import Testing

@Suite("Budgets and spend arithmetic")
struct BudgetTests {
    func at(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }

    @Test func dollarsAddUpExactly() {
        let price = USD(Decimal(string: "0.0000025")!)
        var total = USD.zero
        for _ in 0..<1000 { total += price }
        #expect(total == USD(Decimal(string: "0.0025")!))
        #expect(total.description == "0.0025")
        #expect(USD(dollars: 10.1).description == "10.1")
        for text in ["0", "3", "0.0000000001", "-0.25", "123.4560000001", "922337203.6854775807", "-922337203.6854775808", "10", "-7", "0.1"] {
            #expect(USD(Decimal(string: text)!).description == text)
        }
        // Finer than 10⁻¹⁰ dollar rounds to the nearest unit.
        #expect(USD(Decimal(string: "0.00000000014")!).units == 1)
        // A budget beyond the range (about $920 million) is held at its end, and still admits.
        let huge = USD(dollars: 1e12)
        #expect(huge.units == .max && huge + price == huge)
        let ledger = BudgetLedger()
        let key = [LimitSubject(id: "key:h", level: .key, limits: Limits(maxBudget: 1e12))]
        #expect(throws: Never.self) { try ledger.reserve(key, cost: price, at: Date()).get() }
    }

    @Test func periodsFollowTheCalendarInTheTimeZone() throws {
        let newYork = try #require(BudgetPeriod.calendar(timeZone: "America/New_York"))
        let utc = try #require(BudgetPeriod.calendar(timeZone: nil))
        let month = try #require(BudgetPeriod("1mo"))
        // 31 January 2026, 23:00 in New York is already February in UTC.
        let late = try at("2026-02-01T04:00:00Z")
        #expect(month.period(containing: late, calendar: newYork).start == (try at("2026-01-01T05:00:00Z")))
        #expect(month.period(containing: late, calendar: newYork).end == (try at("2026-02-01T05:00:00Z")))
        #expect(month.period(containing: late, calendar: utc).start == (try at("2026-02-01T00:00:00Z")))
        // Quarters start in January, April, July, October.
        let quarter = try #require(BudgetPeriod("3mo"))
        #expect(quarter.period(containing: try at("2026-05-20T12:00:00Z"), calendar: utc).start == (try at("2026-04-01T00:00:00Z")))
        // A day across the spring DST change in New York is 23 hours long.
        let day = try #require(BudgetPeriod("1d"))
        let dstDay = day.period(containing: try at("2026-03-08T12:00:00Z"), calendar: newYork)
        #expect(dstDay.end.timeIntervalSince(dstDay.start) == 23 * 3600)
        // Weeks start on Mondays; hours count from midnight.
        let week = try #require(BudgetPeriod("7d"))
        #expect(week.period(containing: try at("2026-11-27T10:00:00Z"), calendar: utc).start == (try at("2026-11-23T00:00:00Z")))
        let hours = try #require(BudgetPeriod("6h"))
        #expect(hours.period(containing: try at("2026-11-27T13:59:59Z"), calendar: utc).start == (try at("2026-11-27T12:00:00Z")))
        #expect(BudgetPeriod("1x") == nil && BudgetPeriod("0d") == nil && BudgetPeriod("-1d") == nil)
    }

    func subject(_ id: String, max: Double?, soft: Double? = nil, duration: String? = nil, level: LimitLevel = .key) -> LimitSubject {
        LimitSubject(id: id, level: level, limits: Limits(maxBudget: max, softBudget: soft, budgetDuration: duration))
    }

    @Test func eachLevelAdmitsByItsOwnRule() throws {
        let ledger = BudgetLedger()
        let now = Date()
        let key = subject("key:s", max: 0.01)
        let team = subject("team:r", max: 1, level: .team)
        let mode: (LimitSubject) -> BudgetAdmission = { $0.level == .key ? .spend : .reserve }
        // The key spends past its budget under `spend` (its spend was below it); the team holds.
        let hold = try ledger.reserve([key, team], cost: USD(dollars: 0.5), at: now, mode: mode).get()
        #expect(hold.amount == USD(dollars: 0.5))
        #expect(ledger.headroom([key, team], at: now, mode: mode) == USD(dollars: 0.5))
        _ = ledger.settle(hold, cost: USD(dollars: 0.5), subjects: [key, team], at: now)
        #expect(ledger.headroom([key, team], at: now, mode: mode) == USD(dollars: 0.5))
        let refusal = try #require(ledger.reserve([key, team], cost: .zero, at: now, mode: mode).failure)
        #expect(refusal == BudgetLedger.Refusal(level: .key, spent: USD(dollars: 0.5), maxBudget: USD(dollars: 0.01), admission: .spend))
        // Under `reserve` the same cost would not have been admitted, and the refusal says what remains.
        let strict = try #require(BudgetLedger().reserve([key], cost: USD(dollars: 0.5), at: now).failure)
        #expect(strict.remaining == USD(dollars: 0.01) && strict.admission == .reserve)
    }

    @Test func concurrentReservationsCannotOverspend() throws {
        let ledger = BudgetLedger()
        let key = [subject("key:a", max: 0.03)]
        let cost = USD(dollars: 0.01)
        let now = Date()
        var holds: [BudgetLedger.Hold] = []
        for _ in 0..<50 {
            if case .success(let hold) = ledger.reserve(key, cost: cost, at: now) { holds.append(hold) }
        }
        #expect(holds.count == 3)
        // Settling below the worst case frees what was not spent.
        for hold in holds { _ = ledger.settle(hold, cost: USD(dollars: 0.005), subjects: key, at: now) }
        #expect(ledger.spent(key[0], at: now) == USD(dollars: 0.015))
        #expect(throws: Never.self) { try ledger.reserve(key, cost: cost, at: now).get() }
    }

    @Test func everyBudgetedLevelMustAffordTheRequest() throws {
        let ledger = BudgetLedger()
        let alice = [subject("key:a", max: 10), subject("team:t", max: 1, level: .team)]
        let now = Date()
        let hold = try ledger.reserve(alice, cost: USD(dollars: 0.6), at: now).get()
        guard case .failure(let refusal) = ledger.reserve(alice, cost: USD(dollars: 0.6), at: now) else {
            Issue.record("the team's budget should refuse")
            return
        }
        #expect(refusal.level == .team && refusal.maxBudget == USD(dollars: 1))
        // The refused request reserved nothing at the key either.
        _ = ledger.settle(hold, cost: USD(dollars: 1), subjects: alice, at: now)
        #expect(ledger.spent(alice[0], at: now) == USD(dollars: 1))
        // Spent exactly up to the budget: nothing more, not even a free request.
        if case .success = ledger.reserve(alice, cost: .zero, at: now) { Issue.record("a spent budget admitted a request") }
    }

    @Test func aPeriodEndingStartsSpendAgainAndSoftBudgetsAlertOncePerPeriod() throws {
        let ledger = BudgetLedger()
        let key = [subject("key:p", max: 1, soft: 0.5, duration: "1d")]
        let day1 = try at("2026-11-27T10:00:00Z")
        var crossings = 0
        for minute in 0..<4 {
            let time = day1.addingTimeInterval(Double(minute) * 60)
            let hold = try ledger.reserve(key, cost: USD(dollars: 0.25), at: time).get()
            crossings += ledger.settle(hold, cost: USD(dollars: 0.25), subjects: key, at: time).softBudgetCrossed.count
        }
        #expect(crossings == 1)
        #expect(throws: BudgetLedger.Refusal.self) { try ledger.reserve(key, cost: USD(dollars: 0.25), at: day1).get() }
        let day2 = try at("2026-11-28T00:00:00Z")
        let hold = try ledger.reserve(key, cost: USD(dollars: 0.25), at: day2).get()
        let settlement = ledger.settle(hold, cost: USD(dollars: 0.25), subjects: key, at: day2)
        #expect(settlement.charges == [BudgetLedger.Charge(account: "key:p", periodStart: Int64(day2.timeIntervalSince1970 * 1000))])
        #expect(ledger.spent(key[0], at: day2) == USD(dollars: 0.25))
    }

    @Test func spendLoadedFromTheStoreCountsInItsPeriodOnly() throws {
        let ledger = BudgetLedger()
        let key = subject("key:l", max: 1, duration: "1mo")
        let now = try at("2026-11-27T10:00:00Z")
        let november = Int64(try at("2026-11-01T00:00:00Z").timeIntervalSince1970 * 1000)
        let october = Int64(try at("2026-10-01T00:00:00Z").timeIntervalSince1970 * 1000)
        ledger.load(account: "key:l", periodStart: october, spent: USD(dollars: 5))
        ledger.load(account: "key:l", periodStart: november, spent: USD(dollars: 0.75))
        #expect(ledger.spent(key, at: now) == USD(dollars: 0.75))
        #expect(throws: BudgetLedger.Refusal.self) { try ledger.reserve([key], cost: USD(dollars: 0.5), at: now).get() }
    }

    @Test func thePromptBoundCountsTextNotJSONSyntaxButToolKeysCount() throws {
        let quoted = String(repeating: "\"quoted\" ", count: 50)
        let chat: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": .string(quoted)]]]
        let bytes = JSONCoding.encode(chat).count
        let bound = TokenEstimate(body: chat, bodyBytes: bytes, endpoint: .chatCompletions, defaultMaxTokens: 1).promptBound
        #expect(bound == 6 + 4 + quoted.utf8.count + 8 && bound < bytes)
        // A tool's parameter names are rendered into the prompt: they count.
        let tools: JSONValue = [
            "tools": [["type": "function", "function": ["name": "f", "parameters": ["properties": ["location": ["type": "string"]]]]]]
        ]
        let withTools = TokenEstimate(body: tools, bodyBytes: 1000, endpoint: .chatCompletions, defaultMaxTokens: 1).promptBound
        #expect(
            withTools == "type".count + "function".count + "function".count + "name".count + 1 + "parameters".count + "properties".count
                + "location".count + "type".count + "string".count + 8)
    }

    @Test func theEstimateBoundsThePromptAndTheCompletion() throws {
        let body: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]], "max_tokens": 100, "n": 2]
        let estimate = TokenEstimate(body: body, bodyBytes: 80, endpoint: .chatCompletions, defaultMaxTokens: 4096)
        // The text: `m`, `user`, `hi`, `100`, `2`, and 8 tokens for the message's template.
        #expect(estimate == TokenEstimate(promptBound: 1 + 4 + 2 + 3 + 1 + 8, prompt: 5, completion: 200))
        // Never more than the body itself.
        #expect(TokenEstimate(body: body, bodyBytes: 12, endpoint: .chatCompletions, defaultMaxTokens: 4096).promptBound == 12)
        let unbounded = TokenEstimate(body: ["model": "m"], bodyBytes: 10, endpoint: .chatCompletions, defaultMaxTokens: 4096)
        #expect(unbounded.completion == 4096)
        #expect(TokenEstimate(body: ["model": "m"], bodyBytes: 10, endpoint: .embeddings, defaultMaxTokens: 4096).completion == 0)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
