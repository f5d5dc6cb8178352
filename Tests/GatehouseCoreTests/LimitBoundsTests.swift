import GatehouseCore
import Testing

@Suite("Limits granted within a caller's bounds")
struct LimitBoundsTests {
    /// Every stored property of `Limits` is declared in `LimitBounds.fields`: a limit added later
    /// cannot be left out of the "no wider than your own" check.
    @Test func everyFieldOfLimitsIsDeclared() {
        let properties = Set(Mirror(reflecting: Limits()).children.compactMap(\.label))
        #expect(properties == Set(LimitBounds.fields.map(\.property)))
    }

    @Test func eachFieldIsHeldWithinEveryLevel() {
        var key = Limits(maxBudget: 10, budgetDuration: "30d", rpmLimit: 50)
        key.modelRPMLimit = ["gpt": 5]
        key.allowedIPs = [IPNetwork("10.0.0.0/8")!]
        let user = Limits(tpmLimit: 1000)
        func violations(_ change: (inout Limits) -> Void) -> [String] {
            var candidate = key
            change(&candidate)
            return LimitBounds.violations(of: candidate, within: [key, user], changedFrom: nil)
        }
        #expect(violations { $0.tpmLimit = 1000 } == [])
        #expect(violations { $0.tpmLimit = nil } == ["tpm_limit"])
        #expect(
            violations {
                $0.budgetDuration = "1s"
                $0.tpmLimit = 10
            } == ["budget_duration"])
        #expect(
            violations {
                $0.budgetDuration = "60d"
                $0.maxBudget = 5
                $0.tpmLimit = 10
            } == [])
        #expect(
            violations {
                $0.budgetDuration = nil
                $0.tpmLimit = 10
            } == [])
        #expect(
            violations {
                $0.maxBudget = 11
                $0.tpmLimit = 10
            } == ["max_budget"])
        #expect(
            violations {
                $0.allowedIPs = []
                $0.tpmLimit = 10
            } == ["allowed_ips"])
        #expect(
            violations {
                $0.allowedIPs = [IPNetwork("10.1.0.0/16")!]
                $0.tpmLimit = 10
            } == [])
        #expect(
            violations {
                $0.allowedIPs = [IPNetwork("11.0.0.0/8")!]
                $0.tpmLimit = 10
            } == ["allowed_ips"])
        #expect(
            violations {
                $0.modelRPMLimit = [:]
                $0.tpmLimit = 10
            } == ["model_rpm_limit"])
        #expect(
            violations {
                $0.modelRPMLimit = [:]
                $0.rpmLimit = 5
                $0.tpmLimit = 10
            } == [])
        // Only what changed is checked on an update.
        var old = key
        old.tpmLimit = nil
        var renamed = old
        renamed.softBudget = 3
        #expect(LimitBounds.violations(of: renamed, within: [key, user], changedFrom: old) == [])
        renamed.tpmLimit = 5000
        #expect(LimitBounds.violations(of: renamed, within: [key, user], changedFrom: old) == ["tpm_limit"])
    }

    @Test func whatANewObjectLeavesOutIsTheTightestOfTheLevels() {
        let key = Limits(maxBudget: 10, budgetDuration: "7d", rpmLimit: 50)
        let team = Limits(maxBudget: 100, budgetDuration: "30d", rpmLimit: 20)
        var limits = Limits(tpmLimit: 5)
        LimitBounds.inherit(into: &limits, from: [key, team]) { $0 == "tpm_limit" }
        #expect(limits.maxBudget == 10 && limits.budgetDuration == "30d" && limits.rpmLimit == 20 && limits.tpmLimit == 5)
        #expect(LimitBounds.violations(of: limits, within: [key, team], changedFrom: nil) == [])
    }
}
