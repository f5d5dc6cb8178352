import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The response fields and management semantics LiteLLM's tools read (issue 17, point 5).
@Suite("LiteLLM's fields and semantics, live")
struct LiteLLMFieldsLiveTests {
    @Test func aResponseIsFoundInTheSpendLogsByItsOwnID() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "ann", "auto_create_key": false])
            let generated = try await client.post("/key/generate", ["key_alias": "ci-bot", "user_id": "ann"]).json
            let key = try #require(generated?["key"]?.stringValue)
            #expect(generated?["token_id"] != nil && generated?["token_id"] == generated?["token"])

            let complete = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key))
            let responseID = try #require(complete.json?["id"]?.stringValue)
            let streamed = try await client.post("/v1/chat/completions", chat("mock-gpt", stream: true), headers: bearer(key))
            let firstChunk = try #require(streamed.text.split(separator: "\n").first { $0.hasPrefix("data: {") })
            let streamID = try #require(try JSONCoding.decode(Array(firstChunk.dropFirst(6).utf8))["id"]?.stringValue)
            #expect(streamID != responseID)

            for (id, stream) in [(responseID, false), (streamID, true)] {
                var rows: [JSONValue] = []
                _ = try await eventually {
                    rows = try await client.get("/spend/logs?request_id=\(id)").json?.arrayValue ?? []
                    return !rows.isEmpty
                }
                #expect(rows.count == 1)
                let row = try #require(rows.first)
                #expect(row["request_id"]?.stringValue == id && row["stream"] == .bool(stream))
                #expect(row["status"] == "success" && row["status_code"] == 200)
                #expect(row["metadata"]?["user_api_key"] == generated?["token"] && row["metadata"]?["user_api_key_alias"] == "ci-bot")
                #expect(row["metadata"]?["user_api_key_user_id"] == "ann" && row["metadata"]?["user_api_key_team_id"] == .null)
                // Gatehouse's own id finds the same row.
                let own = try #require(row["gatehouse_request_id"]?.stringValue)
                #expect(try await client.get("/spend/logs?request_id=\(own)").json?.arrayValue?.first?["request_id"]?.stringValue == id)
            }
        }
    }

    @Test func aModelRefusalNamesTheLevelThatRefusedIt() async throws {
        try await withGatehouse(.withAccessGroups) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "search", "models": ["mock-gpt"]])
            let narrowKey = try #require(try await client.post("/key/generate", ["models": ["mock-gpt"]]).json?["key"]?.stringValue)
            let teamKey = try #require(try await client.post("/key/generate", ["team_id": "search"]).json?["key"]?.stringValue)
            for (key, type) in [(narrowKey, "key_model_access_denied"), (teamKey, "team_model_access_denied")] {
                let refused = try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(key))
                #expect(refused.status == .forbidden)
                #expect(refused.json?["error"]?["type"]?.stringValue == type && refused.json?["error"]?["param"] == "model")
                #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status == .ok)
            }
        }
    }

    @Test func teamsShowMembersEmailsAndTheirKeysReadThem() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "ann", "user_email": "ann@example.com", "auto_create_key": false])
            let team = try await client.post("/team/new", ["team_id": "search", "members_with_roles": [["user_id": "ann", "role": "user"]]])
            #expect(team.json?["members_with_roles"] == [["user_id": "ann", "user_email": "ann@example.com", "role": "user"]])
            _ = try await client.post("/team/new", ["team_id": "other"])
            let teamKey = try #require(try await client.post("/key/generate", ["team_id": "search"]).json?["key"]?.stringValue)
            let info = try await client.get("/team/info?team_id=search", headers: bearer(teamKey))
            #expect(info.status == .ok && info.json?["team_info"]?["members_with_roles"]?.arrayValue?.first?["user_email"] == "ann@example.com")
            #expect(try await client.get("/team/info", headers: bearer(teamKey)).json?["team_id"] == "search")
            #expect(try await client.get("/team/info?team_id=other", headers: bearer(teamKey)).status == .forbidden)
        }
    }

    @Test func pagedTeamListsShowOnlyWhatTheCallerReads() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "ann", "auto_create_key": false])
            for id in ["alpha", "beta", "gamma"] {
                _ = try await client.post("/team/new", ["team_id": .string(id), "team_alias": .string(id.uppercased())])
            }
            _ = try await client.post("/team/member_add", ["team_id": "beta", "member": ["user_id": "ann", "role": "user"]])
            let all = try await client.get("/v2/team/list?page_size=2&sort_by=team_alias&sort_order=desc").json
            #expect(all?["total"] == 3 && all?["teams"]?.arrayValue?.compactMap { $0["team_id"]?.stringValue } == ["gamma", "beta"])
            let key = try #require(try await client.post("/key/generate", ["user_id": "ann"]).json?["key"]?.stringValue)
            let own = try await client.get("/v2/team/list", headers: bearer(key)).json
            #expect(own?["total"] == 1 && own?["teams"]?.arrayValue?.first?["team_id"] == "beta")
            #expect(try await client.get("/v2/user/info?user_id=ann", headers: bearer(key)).json?["user_id"] == "ann")
            #expect(try await client.get("/v2/user/info?user_id=nobody").status == .notFound)
        }
    }

    @Test func organizationsCarryLiteLLMsBudgetTable() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let created = try await client.post(
                "/organization/new", ["organization_alias": "Acme", "max_budget": 25, "budget_duration": "30d", "rpm_limit": 60])
            let id = try #require(created.json?["organization_id"]?.stringValue)
            let table = try await client.get("/organization/info?organization_id=\(id)").json?["litellm_budget_table"]
            #expect(table?["max_budget"]?.doubleValue == 25 && table?["budget_duration"] == "30d" && table?["rpm_limit"] == 60)
            #expect(table?["tpm_limit"] == .null)
        }
    }

    @Test func updatingAnUnknownUserCreatesItForAProxyAdminOnly() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let created = try await client.post("/user/update", ["user_id": "newbie", "user_email": "newbie@example.com", "max_budget": 5])
            #expect(created.status == .ok && created.json?["data"]?["user_email"] == "newbie@example.com")
            #expect(try await client.get("/user/info?user_id=newbie").json?["user_info"]?["max_budget"]?.doubleValue == 5)
            // A second update changes the same user.
            #expect(
                try await client.post("/user/update", ["user_id": "newbie", "max_budget": 7]).json?["data"]?["user_email"] == "newbie@example.com")
            let userKey = try #require(try await client.post("/key/generate", ["user_id": "newbie"]).json?["key"]?.stringValue)
            #expect(try await client.post("/user/update", ["user_id": "intruder"], headers: bearer(userKey)).status == .forbidden)
            #expect(try await client.get("/user/info?user_id=intruder").status == .notFound)
        }
    }

    @Test func aProxyAdminWhoCreatesATeamBecomesItsAdmin() async throws {
        var quiet = GatehouseConfig.embeddedDefault
        quiet.server.identity.addTeamCreatorAsAdmin = false
        for (config, joins) in [(GatehouseConfig.embeddedDefault, true), (quiet, false)] {
            try await withGatehouse(config) { client, _ in
                let admin = try await client.post("/user/new", ["user_id": "boss", "user_role": "proxy_admin"]).json?["key"]?.stringValue
                let team = try await client.post("/team/new", ["team_id": "made"], headers: bearer(try #require(admin)))
                #expect(team.json?["admins"] == (joins ? ["boss"] : []))
                // The master key has no user to add.
                #expect(try await client.post("/team/new", ["team_id": "by-master"]).json?["members"] == [])
            }
        }
    }

    @Test func keysAreDeletedByAliasWithinTheCallersReach() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            for user in ["ann", "bob"] { _ = try await client.post("/user/new", ["user_id": .string(user), "auto_create_key": false]) }
            let ann = try #require(try await client.post("/key/generate", ["user_id": "ann", "key_alias": "laptop"]).json?["key"]?.stringValue)
            let annSecond = try #require(try await client.post("/key/generate", ["user_id": "ann", "key_alias": "laptop"]).json?["token"])
            let bobs = try #require(try await client.post("/key/generate", ["user_id": "bob", "key_alias": "laptop"]).json?["token"])
            let annFirst = try #require(try await client.get("/key/info", headers: bearer(ann)).json?["key"])

            // Ann's own key deletes her keys of that alias, never Bob's.
            let deleted = try await client.post("/key/delete", ["key_aliases": ["laptop"]], headers: bearer(ann))
            #expect(deleted.status == .ok)
            #expect(Set(deleted.json?["deleted_keys"]?.arrayValue ?? []) == [annFirst, annSecond])
            #expect(try await client.get("/key/info?key=\(try #require(bobs.stringValue))").status == .ok)
            #expect(try await client.post("/key/delete", ["key_aliases": ["nobody-has-this"]]).status == .notFound)
            #expect(try await client.post("/key/delete", ["key_aliases": ["laptop"]]).json?["deleted_keys"] == [bobs])
        }
    }
}
