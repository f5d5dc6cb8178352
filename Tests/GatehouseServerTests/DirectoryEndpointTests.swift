import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("User, team and organization endpoints")
struct DirectoryEndpointTests {
    var config: GatehouseConfig { .withAccessGroups }

    @Test func organizationLifecycle() async throws {
        try await withGatehouse(config) { client, _ in
            let created = try await client.post(
                "/organization/new", ["organization_alias": "Acme", "models": ["mock-gpt"], "max_budget": 100, "rpm_limit": 50])
            #expect(created.status == .ok)
            let id = try #require(created.json?["organization_id"]?.stringValue)
            #expect(created.json?["organization_alias"] == "Acme")
            #expect(created.json?["max_budget"] == 100 && created.json?["rpm_limit"] == 50)

            let missingAlias = try await client.post("/organization/new", ["models": []])
            #expect(missingAlias.status == .badRequest)
            #expect(missingAlias.json?["error"]?["param"] == "organization_alias")

            let updated = try await client.send(.patch, "/organization/update", ["organization_id": .string(id), "organization_alias": "Acme Inc"])
            #expect(updated.json?["organization_alias"] == "Acme Inc")
            _ = try await client.post("/team/new", ["team_alias": "search", "organization_id": .string(id)])

            let info = try await client.get("/organization/info?organization_id=\(id)")
            #expect(info.json?["organization_alias"] == "Acme Inc")
            #expect(info.json?["teams"]?.arrayValue?.count == 1)
            #expect(try await client.get("/organization/list").json?.arrayValue?.count == 1)

            let refused = try await client.send(.delete, "/organization/delete", ["organization_ids": [.string(id)]])
            #expect(refused.status == .badRequest)
            let teamID = try #require(info.json?["teams"]?.arrayValue?.first?["team_id"]?.stringValue)
            #expect(try await client.post("/team/delete", ["team_ids": [.string(teamID)]]).status == .ok)
            let deleted = try await client.send(.delete, "/organization/delete", ["organization_ids": [.string(id)]])
            #expect(deleted.json?["deleted_organizations"] == [.string(id)])
            #expect(try await client.get("/organization/info?organization_id=\(id)").status == .notFound)
            #expect(try await client.post("/team/new", ["organization_id": .string(id)]).status == .notFound)
        }
    }

    @Test func userLifecycleWithItsKey() async throws {
        try await withGatehouse(config) { client, _ in
            let created = try await client.post(
                "/user/new", ["user_id": "alice", "user_email": "alice@example.com", "user_role": "internal_user", "max_budget": 10])
            #expect(created.status == .ok)
            #expect(created.json?["user_id"] == "alice" && created.json?["user_role"] == "internal_user")
            let raw = try #require(created.json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)

            #expect(try await client.post("/user/new", ["user_id": "alice"]).status == .badRequest)
            #expect(try await client.post("/user/new", ["user_email": "alice@example.com"]).status == .badRequest)
            let badRole = try await client.post("/user/new", ["user_role": "god"])
            #expect(badRole.status == .badRequest && badRole.json?["error"]?["param"] == "user_role")
            let keyless = try await client.post("/user/new", ["user_id": "bob", "auto_create_key": false])
            #expect(keyless.json?["key"] == nil)

            let info = try await client.get("/user/info?user_id=alice")
            #expect(info.json?["user_info"]?["user_email"] == "alice@example.com")
            #expect(info.json?["keys"]?.arrayValue?.count == 1)
            #expect(!info.text.contains(raw))

            let updated = try await client.post(
                "/user/update", ["user_email": "alice@example.com", "user_alias": "Alice", "user_role": "proxy_admin_viewer"])
            #expect(updated.json?["data"]?["user_alias"] == "Alice" && updated.json?["data"]?["user_role"] == "proxy_admin_viewer")
            // The role change holds from the next request: alice's key may now list users.
            #expect(try await client.get("/user/list", headers: bearer(raw)).status == .ok)

            let page = try await client.get("/user/list?page=2&page_size=1")
            #expect(page.json?["total"] == 2 && page.json?["total_pages"] == 2 && page.json?["users"]?.arrayValue?.count == 1)
            #expect(try await client.get("/user/list?role=proxy_admin_viewer").json?["users"]?.arrayValue?.first?["user_id"] == "alice")

            let deleted = try await client.post("/user/delete", ["user_ids": ["alice"]])
            #expect(deleted.json?["deleted_users"] == ["alice"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .unauthorized)
            #expect(try await client.get("/user/info?user_id=alice").status == .notFound)
            #expect(try await client.post("/user/delete", ["user_ids": ["alice"]]).status == .notFound)
        }
    }

    @Test func teamLifecycleWithMembersAndKeys() async throws {
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "alice", "auto_create_key": false])
            let created = try await client.post(
                "/team/new",
                ["team_id": "search", "team_alias": "Search", "models": ["mock-gpt"], "members_with_roles": [["user_id": "alice", "role": "admin"]]])
            #expect(created.status == .ok)
            #expect(created.json?["admins"] == ["alice"])
            #expect(try await client.post("/team/new", ["team_id": "search"]).status == .badRequest)

            let added = try await client.post(
                "/team/member_add", ["team_id": "search", "member": [["user_email": "carol@example.com", "role": "user"], ["user_id": "dave"]]])
            #expect(added.status == .ok)
            #expect(added.json?["members"]?.arrayValue?.count == 3)
            #expect(added.json?["updated_users"]?.arrayValue?.count == 2)
            // Unknown members become users.
            #expect(try await client.get("/user/info?user_id=dave").json?["teams"]?.arrayValue?.first?["team_id"] == "search")

            let key = try await client.post("/key/generate", ["team_id": "search"])
            let raw = try #require(key.json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)

            let blocked = try await client.post("/team/block", ["team_id": "search"])
            #expect(blocked.json?["blocked"] == true)
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(refused.status == .unauthorized)
            #expect(refused.json?["error"]?["message"] == "This API key's team is blocked.")
            _ = try await client.post("/team/unblock", ["team_id": "search"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)

            let updated = try await client.post("/team/update", ["team_id": "search", "team_alias": "Search v2", "tpm_limit": 1000])
            #expect(updated.json?["data"]?["team_alias"] == "Search v2" && updated.json?["data"]?["tpm_limit"] == 1000)
            let info = try await client.get("/team/info?team_id=search")
            #expect(info.json?["team_info"]?["team_alias"] == "Search v2")
            #expect(info.json?["keys"]?.arrayValue?.count == 1)
            #expect(try await client.get("/team/list").json?.arrayValue?.count == 1)

            let removed = try await client.post("/team/member_delete", ["team_id": "search", "user_id": "dave"])
            #expect(removed.json?["members"]?.arrayValue?.count == 2)
            #expect(try await client.post("/team/member_delete", ["team_id": "search", "user_id": "dave"]).status == .notFound)

            let deleted = try await client.post("/team/delete", ["team_ids": ["search"]])
            #expect(deleted.json?["deleted_teams"] == ["search"])
            // Deleting a team deletes its keys.
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .unauthorized)
            #expect(try await client.post("/key/generate", ["team_id": "search"]).status == .notFound)
        }
    }

    @Test func modelsAreTheIntersectionAlongKeyTeamAndOrganization() async throws {
        try await withGatehouse(config) { client, _ in
            let org = try await client.post("/organization/new", ["organization_alias": "Acme", "models": ["mock-gpt", "openai/*"]])
            let orgID = try #require(org.json?["organization_id"]?.stringValue)
            _ = try await client.post("/team/new", ["team_id": "t", "organization_id": .string(orgID), "models": ["mock-gpt", "beta"]])
            let key = try await client.post("/key/generate", ["team_id": "t"])
            #expect(key.json?["organization_id"] == .string(orgID))
            let raw = try #require(key.json?["key"]?.stringValue)

            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok)
            // The team admits the `beta` group, the organization does not.
            let beta = try await client.post("/v1/chat/completions", chat("beta-model"), headers: bearer(raw))
            #expect(beta.status == .forbidden && beta.json?["error"]?["param"] == "model")
            // The organization admits `openai/*`, the team does not.
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(raw)).status == .forbidden)
            let listed = try await client.get("/v1/models", headers: bearer(raw))
            #expect(listed.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["mock-gpt"])

            // A change to the organization holds from the next request.
            _ = try await client.post("/organization/update", ["organization_id": .string(orgID), "models": ["openai/*"]])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .forbidden)
            _ = try await client.post("/team/update", ["team_id": "t", "models": []])
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(raw)).status == .ok)

            // Personal keys are bounded by their user's models.
            let user = try await client.post("/user/new", ["user_id": "u", "models": ["beta"]])
            let personal = try #require(user.json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("beta-model"), headers: bearer(personal)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(personal)).status == .forbidden)
        }
    }
}
