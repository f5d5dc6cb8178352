import Foundation
import GatehouseCore
import Testing

/// Update bodies give each field in one of three states: absent keeps the stored value, `null`
/// clears it, a value sets it.
@Suite("Management bodies")
struct ManagementBodyTests {
    static func team(alias: String?, budget: Double?, rpm: Int?) -> Team {
        var team = Team(id: "t")
        team.alias = alias
        team.limits.maxBudget = budget
        team.limits.rpmLimit = rpm
        return team
    }

    @Test func absentKeepsNullClearsAValueSets() throws {
        var team = Self.team(alias: "old", budget: 5, rpm: 10)
        try ManagementBody(["team_alias": "new", "max_budget": nil, "rpm_limit": 20]).apply(to: &team)
        #expect(team.alias == "new" && team.limits.maxBudget == nil && team.limits.rpmLimit == 20)

        var untouched = Self.team(alias: "old", budget: 5, rpm: 10)
        try ManagementBody(["models": ["gpt-4o"]]).apply(to: &untouched)
        #expect(untouched.alias == "old" && untouched.limits.maxBudget == 5 && untouched.limits.rpmLimit == 10)

        var cleared = Self.team(alias: "old", budget: 5, rpm: 10)
        try ManagementBody(["team_alias": nil, "budget_duration": nil, "rpm_limit": nil]).apply(to: &cleared)
        #expect(cleared.alias == nil && cleared.limits.budgetDuration == nil && cleared.limits.rpmLimit == nil && cleared.limits.maxBudget == 5)
    }

    /// No store holds a NUL in a text (PostgreSQL refuses it, SQLite cuts the text): a body with
    /// one anywhere — a value, a list, deep in `metadata`, a name — is a 400 naming the field.
    @Test func aNULCharacterAnywhereIsRefusedNamingTheField() throws {
        let bodies: [(JSONValue, String?)] = [
            (["key_alias": "al\u{0}ias"], "key_alias"), (["models": ["gpt-4o", "x\u{0}"]], "models"),
            (["metadata": ["deep": ["list": ["\u{0}"]]]], "metadata"), (["metadata": ["na\u{0}me": 1]], "metadata"),
            (["us\u{0}er_id": "u"], nil),
        ]
        for (body, field) in bodies {
            let error = try #require(throws: GatewayError.self) { try ManagementBody(body) }
            #expect(error.status == 400 && error.param == field && error.message.contains("NUL"))
        }
        #expect(throws: Never.self) { try ManagementBody(["key_alias": "fine \u{1} too", "metadata": ["a": "ünï"]]) }
    }

    @Test func theFieldsStatesAreDistinct() throws {
        let body = try ManagementBody(["a": "x", "b": nil])
        #expect(try body.string("a") == .value("x"))
        #expect(try body.string("b") == .null)
        #expect(try body.string("c") == .absent)
        #expect(try body.string("b").value == nil && body.string("c").value == nil)
        var target: String? = "kept"
        Field<String>.absent.apply(to: &target)
        #expect(target == "kept")
        Field<String>.null.apply(to: &target)
        #expect(target == nil)
    }

    @Test func aValueOfTheWrongKindOrOutOfBoundsIsRefusedNamingTheField() throws {
        for (name, value): (String, JSONValue) in [
            ("team_alias", 3), ("max_budget", -1), ("rpm_limit", 1.5), ("rpm_limit", "ten"), ("budget_duration", "soon"),
        ] {
            var team = Self.team(alias: nil, budget: nil, rpm: nil)
            let error = try #require(throws: GatewayError.self) { try ManagementBody([name: value]).apply(to: &team) }
            #expect(error.status == 400 && error.param == name, "\(name): \(value)")
        }
    }

    @Test func aKeysDurationSetsOrClearsItsExpiry() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var key = VirtualKey(id: "k", hash: "h", display: "sk-…")
        try ManagementBody(["duration": "1h"]).apply(to: &key, now: now)
        #expect(key.expiresAt == now.addingTimeInterval(3600))
        try ManagementBody([:]).apply(to: &key, now: now)
        #expect(key.expiresAt == now.addingTimeInterval(3600))
        try ManagementBody(["duration": nil]).apply(to: &key, now: now)
        #expect(key.expiresAt == nil)
    }
}
