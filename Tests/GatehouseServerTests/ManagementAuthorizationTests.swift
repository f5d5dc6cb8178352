import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Each role against each management endpoint, from the caller's side: what is in reach works,
/// everything else is 403 `auth_error`.
@Suite("Management authorization")
struct ManagementAuthorizationTests {
    /// Keys of one user per role, two teams and a few keys to aim at.
    struct Actors {
        var admin = "", viewer = "", alice = "", bob = "", victor = "", eve = ""
        /// Token ids: alice's personal key, bob's personal key, bob's key in team `search`, a key of team `other`.
        var aliceKey = "", bobKey = "", bobTeamKey = "", otherTeamKey = "", eveKey = ""
    }

    var config: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        var grouped = Deployment.mock(modelName: "beta-model")
        grouped.accessGroups = ["beta"]
        config.models.append(grouped)
        return config
    }

    func withActors(_ test: @Sendable (any TestClientProtocol, Actors) async throws -> Void) async throws {
        try await withGatehouse(config) { client, _ in
            var actors = Actors()
            func user(_ id: String, _ role: String) async throws -> (String, String) {
                let created = try await client.post("/user/new", ["user_id": .string(id), "user_role": .string(role)])
                return (try #require(created.json?["key"]?.stringValue), try #require(created.json?["token"]?.stringValue))
            }
            (actors.admin, _) = try await user("admin", "proxy_admin")
            (actors.viewer, _) = try await user("viewer", "proxy_admin_viewer")
            (actors.alice, actors.aliceKey) = try await user("alice", "internal_user")
            (actors.bob, actors.bobKey) = try await user("bob", "internal_user")
            (actors.victor, _) = try await user("victor", "internal_user_viewer")
            _ = try await client.post("/user/new", ["user_id": "eve", "auto_create_key": false])
            let eve = try await client.post(
                "/key/generate",
                [
                    "user_id": "eve", "models": ["mock-gpt"], "max_budget": 10, "rpm_limit": 5,
                    "allowed_routes": ["llm_api_routes", "management_routes"],
                ])
            actors.eve = try #require(eve.json?["key"]?.stringValue)
            actors.eveKey = try #require(eve.json?["token"]?.stringValue)
            _ = try await client.post(
                "/team/new",
                ["team_id": "search", "members_with_roles": [["user_id": "alice", "role": "admin"], ["user_id": "bob", "role": "user"]]])
            _ = try await client.post("/team/new", ["team_id": "other"])
            actors.bobTeamKey = try #require(
                try await client.post("/key/generate", ["team_id": "search", "user_id": "bob"]).json?["token"]?.stringValue)
            actors.otherTeamKey = try #require(try await client.post("/key/generate", ["team_id": "other"]).json?["token"]?.stringValue)
            try await test(client, actors)
        }
    }

    /// POST when there is a body, GET otherwise.
    func call(_ client: any TestClientProtocol, _ key: String, _ path: String, _ body: JSONValue?) async throws -> TestResponse {
        if let body { return try await client.post(path, body, headers: bearer(key)) }
        return try await client.get(path, headers: bearer(key))
    }

    func expectForbidden(
        _ client: any TestClientProtocol, _ key: String, _ requests: [(String, JSONValue?)], sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        for (path, body) in requests {
            let response = try await call(client, key, path, body)
            #expect(response.status == .forbidden, "\(path)", sourceLocation: sourceLocation)
            #expect(response.json?["error"]?["type"] == "auth_error", "\(path)", sourceLocation: sourceLocation)
        }
    }

    func expectOK(
        _ client: any TestClientProtocol, _ key: String, _ requests: [(String, JSONValue?)], sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        for (path, body) in requests {
            let response = try await call(client, key, path, body)
            #expect(response.status == .ok, "\(path): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    @Test func aProxyAdminUsersKeyManagesEverything() async throws {
        try await withActors { client, actors in
            try await expectOK(
                client, actors.admin,
                [
                    ("/user/new", ["user_id": "new"]), ("/organization/new", ["organization_alias": "Org"]), ("/team/new", ["team_id": "t3"]),
                    ("/key/block", ["key": .string(actors.bobKey)]), ("/team/member_add", ["team_id": "other", "member": ["user_id": "bob"]]),
                    ("/user/update", ["user_id": "bob", "user_role": "proxy_admin_viewer"]),
                ])
        }
    }

    @Test func aViewerReadsEverythingAndChangesNothing() async throws {
        try await withActors { client, actors in
            try await expectOK(
                client, actors.viewer,
                [
                    ("/user/list", nil), ("/team/list", nil), ("/key/list", nil), ("/organization/list", nil),
                    ("/key/info?key=\(actors.aliceKey)", nil),
                    ("/team/info?team_id=search", nil), ("/user/info?user_id=alice", nil),
                ])
            #expect(try await client.get("/team/list", headers: bearer(actors.viewer)).json?.arrayValue?.count == 2)
            try await expectForbidden(
                client, actors.viewer,
                [
                    ("/key/generate", [:]), ("/key/update", ["key": .string(actors.aliceKey), "key_alias": "x"]),
                    ("/key/block", ["key": .string(actors.aliceKey)]), ("/key/delete", ["keys": [.string(actors.aliceKey)]]),
                    ("/key/regenerate", ["key": .string(actors.aliceKey)]), ("/user/new", [:]),
                    ("/user/update", ["user_id": "viewer", "user_role": "proxy_admin"]),
                    ("/user/delete", ["user_ids": ["alice"]]), ("/team/new", [:]), ("/team/update", ["team_id": "search", "team_alias": "x"]),
                    ("/team/member_add", ["team_id": "search", "member": ["user_id": "viewer", "role": "admin"]]),
                    ("/team/member_delete", ["team_id": "search", "user_id": "bob"]), ("/team/block", ["team_id": "search"]),
                    ("/team/delete", ["team_ids": ["search"]]), ("/organization/new", ["organization_alias": "x"]),
                    ("/organization/delete", ["organization_ids": ["x"]]),
                ])
        }
    }

    @Test func anInternalUserStaysWithinTheirOwn() async throws {
        try await withActors { client, actors in
            let me = try await client.get("/user/info", headers: bearer(actors.bob))
            #expect(me.json?["user_id"] == "bob")
            let listed = try await client.get("/key/list?return_full_object=true", headers: bearer(actors.bob))
            #expect(listed.json?["keys"]?.arrayValue?.allSatisfy { $0["user_id"] == "bob" } == true)
            #expect(listed.json?["total_count"] == 2)
            let own = try await client.post("/key/generate", [:], headers: bearer(actors.bob))
            #expect(own.status == .ok && own.json?["user_id"] == "bob")
            let teams = try await client.get("/team/list", headers: bearer(actors.bob))
            #expect(teams.json?.arrayValue?.compactMap { $0["team_id"]?.stringValue } == ["search"])
            try await expectOK(
                client, actors.bob,
                [
                    ("/team/info?team_id=search", nil), ("/key/generate", ["team_id": "search"]),
                    ("/key/update", ["key": .string(actors.bobKey), "key_alias": "mine"]), ("/key/info?key=\(actors.bobTeamKey)", nil),
                ])
            try await expectForbidden(
                client, actors.bob,
                [
                    ("/user/info?user_id=alice", nil), ("/user/list", nil), ("/key/list?user_id=alice", nil), ("/key/list?team_id=search", nil),
                    ("/key/info?key=\(actors.aliceKey)", nil), ("/key/generate", ["user_id": "alice"]),
                    ("/key/generate", ["team_id": "search", "user_id": "alice"]), ("/key/generate", ["team_id": "other"]),
                    ("/key/update", ["key": .string(actors.aliceKey), "key_alias": "x"]), ("/key/delete", ["keys": [.string(actors.aliceKey)]]),
                    ("/key/update", ["key": .string(actors.bobKey), "team_id": "other"]),
                    ("/key/update", ["key": .string(actors.bobKey), "user_id": "alice"]),
                    ("/team/info?team_id=other", nil), ("/team/member_add", ["team_id": "search", "member": ["user_id": "bob", "role": "admin"]]),
                    ("/team/update", ["team_id": "search", "team_alias": "x"]), ("/team/block", ["team_id": "search"]), ("/team/new", [:]),
                    ("/user/new", [:]), ("/user/update", ["user_id": "bob", "user_role": "proxy_admin"]),
                    ("/organization/new", ["organization_alias": "x"]),
                ])
        }
    }

    /// Issue 19, point 6: a key of a team without a user was refused its own team's info.
    @Test func aTeamKeyWithoutAUserReadsItsOwnTeam() async throws {
        try await withActors { client, _ in
            let key = try #require(try await client.post("/key/generate", ["team_id": "other"]).json?["key"]?.stringValue)
            let own = try await client.get("/team/info", headers: bearer(key))
            #expect(own.status == .ok && own.json?["team_id"] == "other")
            #expect(own.json?["keys"]?.arrayValue?.count == 1)
            #expect(try await client.get("/team/info?team_id=search", headers: bearer(key)).status == .forbidden)
        }
    }

    @Test func aTeamAdminManagesTheirTeamAndNothingElse() async throws {
        try await withActors { client, actors in
            try await expectOK(
                client, actors.alice,
                [
                    ("/team/member_add", ["team_id": "search", "member": ["user_id": "carol"]]),
                    ("/key/generate", ["team_id": "search", "user_id": "bob"]),
                    ("/key/list?team_id=search", nil), ("/key/block", ["key": .string(actors.bobTeamKey)]),
                    ("/team/update", ["team_id": "search", "team_alias": "Search", "metadata": ["owner": "alice"]]),
                    ("/team/member_delete", ["team_id": "search", "user_id": "carol"]),
                ])
            try await expectForbidden(
                client, actors.alice,
                [
                    ("/team/member_add", ["team_id": "other", "member": ["user_id": "alice"]]), ("/key/list?team_id=other", nil),
                    ("/key/info?key=\(actors.bobKey)", nil), ("/key/info?key=\(actors.otherTeamKey)", nil),
                    ("/team/update", ["team_id": "search", "models": ["*"]]), ("/team/update", ["team_id": "search", "max_budget": 1000]),
                    ("/team/update", ["team_id": "search", "blocked": false]), ("/team/update", ["team_id": "search", "organization_id": "x"]),
                    ("/team/delete", ["team_ids": ["search"]]), ("/team/info?team_id=other", nil), ("/team/unblock", ["team_id": "search"]),
                    ("/key/generate", ["team_id": "search", "user_id": "ghost"]), ("/key/generate", ["team_id": "search", "user_id": "viewer"]),
                ])
            // A key acts with its owner's role: a team admin may not mint one owned by a proxy admin,
            // even one who is a member of the team.
            _ = try await client.post("/team/member_add", ["team_id": "search", "member": ["user_id": "admin"]])
            try await expectForbidden(
                client, actors.alice,
                [
                    ("/key/generate", ["team_id": "search", "user_id": "admin"]),
                    ("/key/update", ["key": .string(actors.bobTeamKey), "user_id": "admin"]),
                ])
        }
    }

    @Test func anInternalUserViewerOnlyReadsTheirOwn() async throws {
        try await withActors { client, actors in
            try await expectOK(client, actors.victor, [("/user/info", nil), ("/key/info", nil), ("/key/list", nil)])
            try await expectForbidden(
                client, actors.victor,
                [
                    ("/key/generate", [:]), ("/key/regenerate", ["key": .string(actors.victor)]),
                    ("/key/update", ["key": .string(actors.victor), "key_alias": "x"]),
                    ("/key/delete", ["keys": [.string(actors.victor)]]), ("/user/list", nil), ("/user/info?user_id=bob", nil),
                ])
        }
    }

    @Test func nobodyGrantsMoreThanTheyHold() async throws {
        try await withActors { client, actors in
            try await expectForbidden(
                client, actors.eve,
                [
                    ("/key/generate", ["models": ["beta-model"]]), ("/key/generate", ["models": ["*"]]), ("/key/generate", ["models": []]),
                    ("/key/generate", ["max_budget": 100]), ("/key/generate", ["max_budget": nil]), ("/key/generate", ["rpm_limit": 50]),
                    ("/key/generate", ["allowed_routes": []]), ("/key/generate", ["allowed_routes": ["/admin/anything"]]),
                    ("/key/generate", ["organization_id": "org"]), ("/key/generate", ["team_id": "search"]),
                    ("/key/update", ["key": .string(actors.eveKey), "max_budget": 11]),
                    ("/key/update", ["key": .string(actors.eveKey), "models": ["beta"]]),
                    ("/user/update", ["user_id": "eve", "user_role": "proxy_admin"]),
                ])
            // What she leaves out, she inherits; what she narrows, she gets.
            let inherited = try await client.post("/key/generate", [:], headers: bearer(actors.eve))
            #expect(inherited.status == .ok)
            #expect(inherited.json?["models"] == ["mock-gpt"] && inherited.json?["max_budget"] == 10 && inherited.json?["rpm_limit"] == 5)
            #expect(inherited.json?["allowed_routes"] == ["llm_api_routes", "management_routes"])
            let narrower = try await client.post(
                "/key/generate", ["max_budget": 2, "allowed_routes": ["llm_api_routes"]], headers: bearer(actors.eve))
            #expect(narrower.status == .ok && narrower.json?["max_budget"] == 2)
            let raw = try #require(narrower.json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("beta-model"), headers: bearer(raw)).status == .forbidden)
            #expect(try await client.post("/key/generate", [:], headers: bearer(raw)).status == .forbidden)
            let lowered = try await client.post("/key/update", ["key": .string(actors.eveKey), "max_budget": 5], headers: bearer(actors.eve))
            #expect(lowered.status == .ok && lowered.json?["max_budget"] == 5)
        }
    }

    @Test func nobodyOutlivesOrUnblocksWhatAnAdminSet() async throws {
        try await withActors { client, actors in
            _ = try await client.post("/key/update", ["key": .string(actors.eveKey), "duration": "1h"])
            try await expectForbidden(client, actors.eve, [("/key/generate", ["duration": "2d"]), ("/key/generate", ["duration": nil])])
            let inherited = try await client.post("/key/generate", [:], headers: bearer(actors.eve))
            #expect(inherited.status == .ok && inherited.json?["expires"] != .null)
            let shorter = try await client.post("/key/generate", ["duration": "30m"], headers: bearer(actors.eve))
            #expect(shorter.status == .ok)

            // Bob may not lift a block an admin put on his other key, nor block keys himself.
            let second = try await client.post("/key/generate", [:], headers: bearer(actors.bob))
            let secondToken = try #require(second.json?["token"]?.stringValue)
            _ = try await client.post("/key/block", ["key": .string(secondToken)])
            try await expectForbidden(
                client, actors.bob,
                [
                    ("/key/unblock", ["key": .string(secondToken)]), ("/key/update", ["key": .string(secondToken), "blocked": false]),
                    ("/key/block", ["key": .string(actors.bobTeamKey)]),
                ])
            // Changing something else on a key that has no budget is not an escalation for a budgeted caller.
            _ = try await client.post("/key/update", ["key": .string(actors.aliceKey), "max_budget": 10])
            let renamed = try await client.post(
                "/key/update", ["key": .string(actors.bobTeamKey), "key_alias": "renamed"], headers: bearer(actors.alice))
            #expect(renamed.status == .ok)
        }
    }
}
