import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The management API from an attacker's side (issue 14, findings 1, 3, 6, 7, 12, 18, 19): each
/// test is an attack that once worked, and now must be refused with 403 while the legitimate
/// action beside it still works.
@Suite("Attacks on reach")
struct ReachAttackTests {
    var config: GatehouseConfig {
        var config = JWTLiveTests().config
        config.jwtIssuers[0].mapping.limitClaims = ["rpm_limit": "rpm"]
        // An access group whose name looks like `gpt-*` but that holds another model.
        var grouped = Deployment.mock(modelName: "claude-secret")
        grouped.accessGroups = ["gpt-team"]
        config.models.append(grouped)
        config.models.append(Deployment.mock(modelName: "gpt-mini"))
        return config
    }

    /// Users `root` (proxy admin), `alice` and `carol` (admins of team `search`), `bob` (a plain
    /// member); a key of each in team `search`.
    struct Team {
        var alice = "", rootKey = "", carolKey = "", bobKey = ""
    }

    func withTeam(_ test: @Sendable (any TestClientProtocol, Team) async throws -> Void) async throws {
        try await withGatehouse(config) { client, _ in
            var team = Team()
            for (id, role) in [("root", "proxy_admin"), ("alice", "internal_user"), ("carol", "internal_user"), ("bob", "internal_user")] {
                let created = try await client.post("/user/new", ["user_id": .string(id), "user_role": .string(role)])
                if id == "alice" { team.alice = try #require(created.json?["key"]?.stringValue) }
            }
            let members: JSONValue = [
                ["user_id": "alice", "role": "admin"], ["user_id": "carol", "role": "admin"], ["user_id": "bob", "role": "user"],
            ]
            #expect(try await client.post("/team/new", ["team_id": "search", "members_with_roles": members]).status == .ok)
            func key(_ user: String) async throws -> String {
                try #require(try await client.post("/key/generate", ["team_id": "search", "user_id": .string(user)]).json?["token"]?.stringValue)
            }
            team.rootKey = try await key("root")
            team.carolKey = try await key("carol")
            team.bobKey = try await key("bob")
            try await test(client, team)
        }
    }

    /// Finding 1: a team admin regenerated a proxy admin's key of the team (and so held a proxy
    /// admin's key), or rewrote, blocked or deleted it; or another team admin's.
    @Test func aTeamAdminCannotTakeOverAnAdminsKey() async throws {
        try await withTeam { client, team in
            for target in [team.rootKey, team.carolKey] {
                let attempts: [(String, JSONValue)] = [
                    ("/key/regenerate", ["key": .string(target)]), ("/key/\(target)/regenerate", [:]),
                    ("/key/update", ["key": .string(target), "key_alias": "mine"]), ("/key/block", ["key": .string(target)]),
                    ("/key/unblock", ["key": .string(target)]), ("/key/delete", ["keys": [.string(target)]]),
                ]
                for (path, body) in attempts {
                    let response = try await client.post(path, body, headers: bearer(team.alice))
                    #expect(response.status == .forbidden, "\(path) on \(target): \(response.text)")
                    #expect(response.json?["key"] == nil)
                }
                #expect(try await client.get("/key/info?key=\(target)", headers: bearer(team.alice)).status == .forbidden)
            }
            // The root key still works as it did; a plain member's key is the team admin's to manage.
            #expect(try await client.get("/key/info?key=\(team.rootKey)").json?["info"]?["blocked"] == false)
            let regenerated = try await client.post("/key/regenerate", ["key": .string(team.bobKey)], headers: bearer(team.alice))
            #expect(regenerated.status == .ok && regenerated.json?["user_id"] == "bob")
            // The team's key list shows a team admin only the keys in their reach.
            let info = try await client.get("/team/info?team_id=search", headers: bearer(team.alice))
            #expect(info.json?["keys"]?.arrayValue?.compactMap { $0["token"]?.stringValue } == [team.bobKey])
        }
    }

    /// Finding 3: a token acting as `internal_user` for a proxy admin's user id regenerated that
    /// admin's key and got a proxy-admin key.
    @Test func aWeakerCredentialOfAnAdminAccountDoesNotReachItsKeys() async throws {
        try await withTeam { client, team in
            let token = JWTLiveTests.token(["sub": "root"])
            #expect(try await client.get("/user/list", headers: bearer(token)).status == .forbidden)
            let attempts: [(String, JSONValue)] = [
                ("/key/regenerate", ["key": .string(team.rootKey)]), ("/key/update", ["key": .string(team.rootKey), "key_alias": "x"]),
                ("/key/delete", ["keys": [.string(team.rootKey)]]), ("/key/generate", ["user_id": "root"]),
            ]
            for (path, body) in attempts {
                let response = try await client.post(path, body, headers: bearer(token))
                #expect(response.status == .forbidden, "\(path): \(response.text)")
            }
            #expect(try await client.get("/key/info?key=\(team.rootKey)", headers: bearer(token)).status == .forbidden)
            #expect(try await client.get("/key/list", headers: bearer(token)).status == .forbidden)
            #expect(try await client.get("/user/info?user_id=root", headers: bearer(token)).status == .forbidden)
            // The same token for a plain account reaches that account's keys.
            let bob = JWTLiveTests.token(["sub": "bob"])
            #expect(try await client.post("/key/update", ["key": .string(team.bobKey), "key_alias": "b"], headers: bearer(bob)).status == .ok)
        }
    }

    /// Finding 6: a limited key's holder lifted limits the admin set, by changing the fields the
    /// check did not compare, or by leaving them out of a new key.
    @Test func aLimitedKeyCannotLiftItsLimits() async throws {
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "eve", "auto_create_key": false])
            let limited = try await client.post(
                "/key/generate",
                [
                    "user_id": "eve", "max_budget": 10, "budget_duration": "30d", "allowed_ips": ["127.0.0.0/8"],
                    "model_rpm_limit": ["mock-gpt": 5], "model_tpm_limit": ["mock-gpt": 500], "rpm_limit": 50,
                ])
            let eve = try #require(limited.json?["key"]?.stringValue)
            let eveID = try #require(limited.json?["token"]?.stringValue)
            let widenings: [(String, JSONValue)] = [
                ("budget_duration", "1s"), ("allowed_ips", .null), ("allowed_ips", ["0.0.0.0/0"]),
                ("allowed_ips", ["127.0.0.0/7"]), ("model_rpm_limit", ["mock-gpt": 100]), ("model_rpm_limit", .null),
                ("model_tpm_limit", ["mock-gpt": 5000]), ("max_budget", 11), ("rpm_limit", .null),
            ]
            for (field, value) in widenings {
                let generated = try await client.post("/key/generate", [field: value], headers: bearer(eve))
                #expect(generated.status == .forbidden && generated.json?["error"]?["param"] == .string(field), "generate \(field)")
                let updated = try await client.post("/key/update", ["key": .string(eveID), field: value], headers: bearer(eve))
                #expect(updated.status == .forbidden && updated.json?["error"]?["param"] == .string(field), "update \(field)")
            }
            // Narrower is fine (no period: the budget never resets), and what a new key leaves out it inherits.
            #expect(try await client.post("/key/generate", ["budget_duration": .null], headers: bearer(eve)).status == .ok)
            let narrower = try await client.post(
                "/key/generate", ["max_budget": 5, "budget_duration": "60d", "allowed_ips": ["127.0.0.1"]], headers: bearer(eve))
            #expect(narrower.status == .ok, "\(narrower.text)")
            let inherited = try await client.post("/key/generate", [:], headers: bearer(eve))
            #expect(inherited.json?["budget_duration"] == "30d" && inherited.json?["max_budget"] == 10 && inherited.json?["rpm_limit"] == 50)
            #expect(inherited.json?["allowed_ips"] == ["127.0.0.0/8"] && inherited.json?["model_rpm_limit"] == ["mock-gpt": 5])
            #expect(inherited.json?["model_tpm_limit"] == ["mock-gpt": 500])
        }
    }

    /// Finding 7: callers that are not API keys (here a JWT with a limit claim) escaped their
    /// bounds when minting keys.
    @Test func aTokensLimitsBoundTheKeysItMints() async throws {
        try await withGatehouse(config) { client, _ in
            let token = JWTLiveTests.token(["sub": "tina", "rpm": 5])
            let wider = try await client.post("/key/generate", ["models": ["mock-gpt"], "rpm_limit": 100], headers: bearer(token))
            #expect(wider.status == .forbidden && wider.json?["error"]?["param"] == "rpm_limit")
            let unlimited = try await client.post("/key/generate", ["models": ["mock-gpt"], "rpm_limit": .null], headers: bearer(token))
            #expect(unlimited.status == .forbidden)
            let inherited = try await client.post("/key/generate", ["models": ["mock-gpt"]], headers: bearer(token))
            #expect(inherited.status == .ok && inherited.json?["rpm_limit"] == 5)
        }
    }

    /// Finding 19: a key bounded to `gpt-*` granted an access group named `gpt-team` that holds
    /// another model.
    @Test func anAccessGroupIsComparedByTheModelsItReaches() async throws {
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "gus", "auto_create_key": false])
            let bounded = try #require(
                try await client.post("/key/generate", ["user_id": "gus", "models": ["gpt-*"]]).json?["key"]?.stringValue)
            let group = try await client.post("/key/generate", ["models": ["gpt-team"]], headers: bearer(bounded))
            #expect(group.status == .forbidden && group.json?["error"]?["message"]?.stringValue?.hasPrefix("`models`") == true)
            #expect(try await client.post("/key/generate", ["models": ["gpt-mini"]], headers: bearer(bounded)).status == .ok)
            #expect(try await client.post("/key/generate", ["models": ["*"]], headers: bearer(bounded)).status == .forbidden)
        }
    }

    /// Finding 12: a team admin enrolled an existing user and minted keys charged to them, or
    /// created a user whose id was another user's email (who then could not sign in by email).
    @Test func aTeamAdminEnrolsNoExistingUserAndTakesNoOnesName() async throws {
        try await withTeam { client, team in
            _ = try await client.post("/user/new", ["user_id": "outsider", "user_email": "out@example.com"])
            for member: JSONValue in [["user_id": "outsider"], ["user_email": "out@example.com"], ["user_id": "root"]] {
                let added = try await client.post("/team/member_add", ["team_id": "search", "member": member], headers: bearer(team.alice))
                #expect(added.status == .forbidden, "\(member): \(added.text)")
            }
            let minted = try await client.post("/key/generate", ["team_id": "search", "user_id": "outsider"], headers: bearer(team.alice))
            #expect(minted.status == .forbidden)
            // Another admin of the team is not a team admin's to demote or remove.
            let demoted = try await client.post(
                "/team/member_add", ["team_id": "search", "member": ["user_id": "carol", "role": "user"]], headers: bearer(team.alice))
            #expect(demoted.status == .forbidden)
            let removed = try await client.post("/team/member_delete", ["team_id": "search", "user_id": "carol"], headers: bearer(team.alice))
            #expect(removed.status == .forbidden)
            // A new user named like someone's email is refused (400), by a team admin or anyone.
            let squatted = try await client.post(
                "/team/member_add", ["team_id": "search", "member": ["user_id": "out@example.com"]], headers: bearer(team.alice))
            #expect(squatted.status == .badRequest, "\(squatted.text)")
            #expect(try await client.post("/user/new", ["user_id": "out@example.com"]).status == .badRequest)
            #expect(try await client.post("/user/new", ["user_id": "x", "user_email": "outsider"]).status == .badRequest)
            // A new user and a plain member remain the team admin's to manage.
            let fresh = try await client.post(
                "/team/member_add", ["team_id": "search", "member": ["user_id": "newcomer"]], headers: bearer(team.alice))
            #expect(fresh.status == .ok)
            #expect(try await client.post("/team/member_delete", ["team_id": "search", "user_id": "bob"], headers: bearer(team.alice)).status == .ok)
        }
    }

    /// Finding 18: `/key/generate {"key": …}` told anyone whether a guessed value was a key.
    @Test func onlyAnAdminImportsAKeysValue() async throws {
        try await withTeam { client, team in
            let existing = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            for guess in [existing, "sk-" + String(repeating: "a", count: 40)] {
                let response = try await client.post("/key/generate", ["key": .string(guess)], headers: bearer(team.alice))
                #expect(response.status == .forbidden && !response.text.contains("exists"))
            }
            let imported: JSONValue = ["key": .string("sk-" + String(repeating: "b", count: 40))]
            #expect(try await client.post("/key/generate", imported).status == .ok)
        }
    }
}
