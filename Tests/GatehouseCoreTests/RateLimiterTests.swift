import Foundation
import GatehouseCore
import Testing

/// The request window's view of a decision, as the rpm tests read it.
extension RateLimiter.Decision {
    var admitted: Bool { refusal == nil }
    var limit: Int? { refusal?.limit ?? requests?.limit }
    var remaining: Int? { refusal == nil ? requests?.remaining : 0 }
    var reset: Double? { refusal?.retryAfter ?? requests?.reset }
    var refusedBy: String? { refusal?.level.rawValue }
}

@Suite("Request rate limits")
struct RateLimiterTests {
    func subject(_ id: String, rpm: Int?, level: LimitLevel = .key) -> LimitSubject {
        LimitSubject(id: id, level: level, limits: Limits(rpmLimit: rpm))
    }

    @Test func aFullWindowRefusesUntilItsOldestRequestLeaves() {
        let limiter = RateLimiter()
        let key = [subject("key:a", rpm: 3)]
        #expect(limiter.admit(key, at: 100)?.remaining == 2)
        #expect(limiter.admit(key, at: 110)?.remaining == 1)
        #expect(limiter.admit(key, at: 120)?.remaining == 0)
        let refused = limiter.admit(key, at: 130)
        #expect(refused?.admitted == false && refused?.reset == 30 && refused?.refusedBy == "key")
        #expect(limiter.admit(key, at: 159.999)?.admitted == false)
        // At exactly 60 s the first request leaves the window.
        #expect(limiter.admit(key, at: 160)?.admitted == true)
        #expect(limiter.admit(key, at: 160.5)?.admitted == false)
        #expect(limiter.admit(key, at: 170)?.admitted == true)
    }

    @Test func everyLevelMustHaveRoomAndARefusalCountsNowhere() {
        let limiter = RateLimiter()
        let alice = [subject("key:a", rpm: 5), subject("team:t", rpm: 2, level: .team)]
        let bob = [subject("key:b", rpm: 5), subject("team:t", rpm: 2, level: .team)]
        let first = limiter.admit(alice, at: 0)
        #expect(first?.admitted == true && first?.limit == 2 && first?.remaining == 1)
        #expect(limiter.admit(bob, at: 1)?.admitted == true)
        let refused = limiter.admit(alice, at: 2)
        #expect(refused?.admitted == false && refused?.refusedBy == "team" && refused?.reset == 58)
        // Alice's own window did not count the refused request: 4 left of 5 once the team has room.
        #expect(limiter.admit([subject("key:a", rpm: 5)], at: 3)?.remaining == 3)
        #expect(limiter.admit([subject("key:c", rpm: nil)], at: 3) == nil)
    }

    @Test func aHighLimitCountsEveryRequestInTheWindow() {
        let limiter = RateLimiter()
        let key = [subject("key:busy", rpm: 5000)]
        for index in 0..<5000 { #expect(limiter.admit(key, at: Double(index) / 100)?.admitted == true) }
        #expect(limiter.admit(key, at: 50)?.admitted == false)
        // The first 1000 (times 0 to 9.99) have left the window at 69.99.
        for _ in 0..<1000 { #expect(limiter.admit(key, at: 69.995)?.admitted == true) }
        #expect(limiter.admit(key, at: 69.995)?.admitted == false)
    }

    func tokens(_ id: String, tpm: Int? = nil, tpd: Int? = nil, rpd: Int? = nil) -> LimitSubject {
        LimitSubject(id: id, level: .key, limits: Limits(tpmLimit: tpm, rpdLimit: rpd, tpdLimit: tpd))
    }

    @Test func tokensAreReservedThenSettledWithWhatWasUsed() throws {
        let limiter = RateLimiter()
        let key = [tokens("key:t", tpm: 1000)]
        let first = try #require(limiter.admit(key, tokens: 600, at: 0))
        #expect(first.refusal == nil && first.tokens == RateLimiter.Window(limit: 1000, remaining: 400, reset: 0))
        // 600 reserved: a second estimate of 600 does not fit until the first settles.
        let refused = try #require(limiter.admit(key, tokens: 600, at: 1))
        #expect(refused.refusal?.unit == "tokens per minute" && refused.refusal?.retryAfter == 59)
        limiter.settle(first.reservation, tokens: 150)
        let second = try #require(limiter.admit(key, tokens: 600, at: 2))
        #expect(second.refusal == nil && second.tokens?.remaining == 250)
        // The window forgets the first request 60 s after it: only the second's 600 remain.
        #expect(limiter.admit(key, tokens: 400, at: 60.5)?.refusal == nil)
        // An estimate larger than the limit can never fit: no Retry-After that would lie.
        #expect(limiter.admit(key, tokens: 1001, at: 61)?.refusal?.retryAfter == nil)
    }

    @Test func dailyWindowsResetAtMidnightInTheConfiguredTimeZone() throws {
        let berlin = try #require(BudgetPeriod.calendar(timeZone: "Europe/Berlin"))
        let limiter = RateLimiter(calendar: berlin)
        let key = [tokens("key:d", tpd: 100, rpd: 2)]
        // 2026-03-10 22:30 UTC is 23:30 in Berlin (UTC+1): midnight there is 30 minutes away.
        let evening = try Date("2026-03-10T22:30:00Z", strategy: .iso8601).timeIntervalSince1970
        #expect(limiter.admit(key, tokens: 60, at: evening)?.refusal == nil)
        let overTokens = try #require(limiter.admit(key, tokens: 60, at: evening + 1))
        #expect(overTokens.refusal?.unit == "tokens per day" && overTokens.refusal?.retryAfter == 1799)
        #expect(limiter.admit(key, tokens: 40, at: evening + 2)?.refusal == nil)
        let overRequests = try #require(limiter.admit(key, tokens: 0, at: evening + 3))
        #expect(overRequests.refusal?.unit == "requests per day")
        // 23:00 UTC is Berlin's midnight: a new day.
        #expect(limiter.admit(key, tokens: 100, at: evening + 1800)?.refusal == nil)
    }

    @Test func usageAddsWhatOtherInstancesReportedAndDropsTheMinuteThatPassed() throws {
        let limiter = RateLimiter()
        let key = [tokens("key:u", tpd: 1000, rpd: 100), subject("key:u", rpm: 10)]
        _ = limiter.admit(key, tokens: 7, at: 1_000_000)
        _ = limiter.admit(key, tokens: 3, at: 1_000_030)
        let day = limiter.day(containing: 1_000_030)
        limiter.setRemoteUsage(["key:u": .init(minuteRequests: 2, minuteTokens: 20, day: day.start, dayRequests: 5, dayTokens: 50)])
        let (usage, dayEnd) = limiter.usage(of: ["key:u", "key:unknown"], at: 1_000_045)
        #expect(dayEnd == day.end && day.end - day.start == 86_400)
        #expect(usage["key:u"] == .init(minuteRequests: 4, minuteTokens: 30, day: day.start, dayRequests: 7, dayTokens: 60))
        #expect(usage["key:unknown"] == .init(day: day.start))
        // A minute after the first request it has left the minute, not the day.
        let later = limiter.usage(of: ["key:u"], at: 1_000_061).usage["key:u"]
        #expect(later?.minuteRequests == 3 && later?.minuteTokens == 23 && later?.dayRequests == 7)
    }

    @Test func perModelLimitsCountOnlyThatModel() throws {
        var limits = Limits()
        limits.modelRPMLimit = ["gpt-4o": 1]
        let key = LimitSubject(id: "key:m", level: .key, limits: limits)
        let limiter = RateLimiter()
        let gpt4o = try #require(key.perModel("gpt-4o"))
        #expect(key.perModel("gpt-4o-mini") == nil)
        #expect(limiter.admit([key, gpt4o], at: 0)?.refusal == nil)
        let refused = try #require(limiter.admit([key, gpt4o], at: 1))
        #expect(refused.refusal?.perModel == true && refused.refusal?.level == .key)
        // The key itself has no request limit: other models are not held back by gpt-4o's count.
        #expect(limiter.admit([key], at: 2)?.refusal == nil)
    }
}
