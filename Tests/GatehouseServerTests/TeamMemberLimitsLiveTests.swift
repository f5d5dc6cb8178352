import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/team/member_update`: a member's own budget, rate limits and models within a team, and who
/// may set them.
@Suite("Team members' own limits, live")
struct TeamMemberLimitsLiveTests {
    static var config: GatehouseConfig {
        var config = GatehouseConfig.withAccessGroups
        config.models[0].inputCostPerToken = 0.000001
        config.models[0].outputCostPerToken = 0.000001
        return config
    }

    /// Team `search` with ann (admin), bob and cat (members); a key for each in the team.
    func team(_ client: some TestClientProtocol) async throws -> [String: String] {
        for user in ["ann", "bob", "cat"] { _ = try await client.post("/user/new", ["user_id": .string(user), "auto_create_key": false]) }
        _ = try await client.post(
            "/team/new",
            [
                "team_id": "search",
                "members_with_roles": [
                    ["user_id": "ann", "role": "admin"], ["user_id": "bob", "role": "user"], ["user_id": "cat", "role": "user"],
                ],
            ])
        var keys: [String: String] = [:]
        for user in ["ann", "bob", "cat"] {
            keys[user] = try await client.post("/key/generate", ["user_id": .string(user), "team_id": "search"]).json?["key"]?.stringValue
        }
        return keys
    }

    @Test func aMembersOwnLimitsHoldForTheirKeysInTheTeam() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let keys = try await team(client)
            let updated = try await client.post(
                "/team/member_update",
                ["team_id": "search", "user_id": "bob", "max_budget_in_team": 0.000_01, "allowed_models": ["mock-gpt"], "rpm_limit": 5])
            #expect(updated.status == .ok && updated.json?["updated_member"]?["max_budget_in_team"]?.doubleValue == 0.000_01)
            let info = try await client.get("/team/info?team_id=search").json?["team_info"]?["members_with_roles"]?.arrayValue ?? []
            #expect(info.first { $0["user_id"] == "bob" }?["allowed_models"] == ["mock-gpt"])

            let bob = try #require(keys["bob"])
            let cat = try #require(keys["cat"])
            let budget = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(bob))
            #expect(budget.json?["error"]?["message"]?.stringValue?.contains("Budget has been exceeded! Team Member=bob in Team=search") == true)
            let model = try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(bob))
            #expect(model.status == .forbidden && model.json?["error"]?["type"] == "team_model_access_denied")
            // Cat, in the same team, has no such limits.
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(cat)).status == .ok)

            // Re-adding bob keeps his limits; clearing them lifts them.
            _ = try await client.post("/team/member_add", ["team_id": "search", "member": ["user_id": "bob", "role": "user"]])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(bob)).status != .ok)
            _ = try await client.post(
                "/team/member_update", ["team_id": "search", "user_id": "bob", "max_budget_in_team": .null, "allowed_models": []])
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(bob)).status == .ok)
        }
    }

    @Test func aTeamAdminSetsPlainMembersLimitsButNotTheirOwn() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let keys = try await team(client)
            let ann = try #require(keys["ann"])
            let plain = try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "rpm_limit": 1], headers: bearer(ann))
            #expect(plain.status == .ok)
            let own = try await client.post("/team/member_update", ["team_id": "search", "user_id": "ann", "rpm_limit": 1000], headers: bearer(ann))
            #expect(own.status == .forbidden)
            // A plain member changes nobody's, not even their own.
            let bob = try #require(keys["bob"])
            #expect(
                try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "rpm_limit": 1000], headers: bearer(bob)).status
                    == .forbidden)
            #expect(try await client.post("/team/member_update", ["team_id": "search", "user_id": "nobody", "role": "admin"]).status == .notFound)
            #expect(try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "role": "owner"]).status == .badRequest)
            // The change is audited with its before and after.
            let records = try await client.get("/audit?action=team.member_update&outcome=success").json?["records"]?.arrayValue ?? []
            #expect(records.count == 1 && records.first?["object"] == "team:search")
        }
    }

    @Test func aTeamsModelAliasesServeItsKeysOnly() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let keys = try await team(client)
            let aliases: JSONValue = ["gpt-4": "openai/gpt-4o", "secret": "beta-model"]
            #expect(
                try await client.post("/team/update", ["team_id": "search", "models": ["mock-gpt", "openai/gpt-4o"], "model_aliases": aliases]).status
                    == .ok)
            // Routing is a proxy admin's to change, not a team admin's.
            let ann = try #require(keys["ann"])
            #expect(
                try await client.post("/team/update", ["team_id": "search", "model_aliases": ["x": "mock-gpt"]], headers: bearer(ann)).status
                    == .forbidden)
            #expect(try await client.post("/team/update", ["team_id": "search", "model_aliases": ["x": 7]]).status == .badRequest)

            let bob = try #require(keys["bob"])
            let aliased = try await client.post("/v1/chat/completions", chat("gpt-4"), headers: bearer(bob))
            #expect(aliased.status == .ok)
            // The alias names a model the team may not use: refused as that model.
            let hidden = try await client.post("/v1/chat/completions", chat("secret"), headers: bearer(bob))
            #expect(hidden.status == .forbidden && hidden.json?["error"]?["type"] == "team_model_access_denied")
            let listed =
                try await client.get("/v1/models", headers: bearer(bob)).json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(listed.contains("gpt-4") && !listed.contains("secret"))
            #expect(try await client.get("/v1/models/gpt-4", headers: bearer(bob)).status == .ok)
            _ = try await eventually { try await client.get("/spend/logs").json?.arrayValue?.isEmpty == false }
            #expect(try await client.get("/spend/logs").json?.arrayValue?.first?["model"] == "openai/gpt-4o")
            // Outside the team the alias means nothing.
            let outsider = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("gpt-4"), headers: bearer(outsider)).status == .notFound)
            #expect(try await client.get("/team/info?team_id=search").json?["team_info"]?["model_aliases"] == aliases)
        }
    }

    @Test func modelsAreAddedByProxyAdminsAndRemovedByTeamAdmins() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let keys = try await team(client)
            let ann = try #require(keys["ann"])
            #expect(
                try await client.post("/team/model/add", ["team_id": "search", "models": ["mock-gpt"]], headers: bearer(ann)).status == .forbidden)
            #expect(
                try await client.post("/team/model/delete", ["team_id": "search", "models": ["mock-gpt"]], headers: bearer(ann)).status == .badRequest
            )
            let added = try await client.post("/team/model/add", ["team_id": "search", "models": ["mock-gpt", "openai/gpt-4o", "mock-gpt"]])
            #expect(added.json?["data"]?["models"] == ["mock-gpt", "openai/gpt-4o"])
            let removed = try await client.post("/team/model/delete", ["team_id": "search", "models": ["openai/gpt-4o"]], headers: bearer(ann))
            #expect(removed.status == .ok && removed.json?["data"]?["models"] == ["mock-gpt"])
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(ann)).status == .forbidden)
            // The last model stays: an empty list would open every model.
            #expect(try await client.post("/team/model/delete", ["team_id": "search", "models": ["mock-gpt"]]).status == .badRequest)
        }
    }
}
