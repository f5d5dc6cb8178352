import GatehouseCore
import Testing

@Suite("Request rate limits")
struct RateLimiterTests {
    func subject(_ id: String, rpm: Int?, level: String = "key") -> LimitSubject {
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
        let alice = [subject("key:a", rpm: 5), subject("team:t", rpm: 2, level: "team")]
        let bob = [subject("key:b", rpm: 5), subject("team:t", rpm: 2, level: "team")]
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
}
