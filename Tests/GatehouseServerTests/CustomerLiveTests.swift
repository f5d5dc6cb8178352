import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// LiteLLM's end users (`/customer/*`, `/end_user/*`) and shared budgets (`/budget/*`): what a
/// request naming a registered end user is held to, and who may manage them.
@Suite("End users and shared budgets, live")
struct CustomerLiveTests {
    static var config: GatehouseConfig {
        var config = GatehouseConfig.withAccessGroups
        config.models[0].inputCostPerToken = 0.000001
        config.models[0].outputCostPerToken = 0.000001
        for region in ["eu", "us"] {
            var deployment = Deployment.mock(modelName: "regional")
            deployment.id = "regional-" + region
            deployment.region = region
            config.models.append(deployment)
        }
        return config
    }

    func chat(_ model: String, user: String) -> JSONValue {
        var body = GatehouseServerTests.chat(model)
        body["user"] = .string(user)
        return body
    }

    @Test func anEndUsersBudgetHoldsWhicheverKeyNamesIt() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let created = try await client.post("/customer/new", ["user_id": "acme", "max_budget": 0.000_001, "budget_admission": "spend"])
            #expect(created.status == .ok)
            #expect(created.json?["litellm_budget_table"]?["max_budget"]?.doubleValue == 0.000_001)
            let budgetID = try #require(created.json?["budget_id"]?.stringValue)
            let first = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let second = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "acme"), headers: bearer(first)).status == .ok)
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt", user: "acme"), headers: bearer(second))
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("Budget has been exceeded! Customer=acme") == true)
            // Other end users, and requests naming none, are not held to it.
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "other"), headers: bearer(second)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt"), headers: bearer(second)).status == .ok)

            let info = try await client.get("/customer/info?end_user_id=acme").json
            #expect((info?["spend"]?.doubleValue ?? 0) > 0 && info?["budget_id"]?.stringValue == budgetID)
            // Raising the budget (through the end user, as LiteLLM does) admits it again.
            #expect(try await client.post("/end_user/update", ["user_id": "acme", "max_budget": 10]).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "acme"), headers: bearer(second)).status == .ok)
            #expect(try await client.post("/budget/info", ["budgets": [.string(budgetID)]]).json?.arrayValue?.first?["max_budget"] == 10)
        }
    }

    @Test func aBlockedEndUserIsRefused() async throws {
        try await withGatehouse(Self.config) { client, _ in
            _ = try await client.post("/customer/new", ["user_id": "acme"])
            let blocked = try await client.post("/customer/block", ["user_ids": ["acme", "newcomer"]])
            #expect(blocked.json?["blocked_users"]?.arrayValue?.count == 2)
            for user in ["acme", "newcomer"] {
                let refused = try await client.post("/v1/chat/completions", chat("mock-gpt", user: user))
                #expect(refused.status == .forbidden && refused.json?["error"]?["code"] == "end_user_blocked")
            }
            #expect(try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt")).status == .ok)
            #expect(try await client.post("/end_user/unblock", ["user_ids": ["acme"]]).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "acme")).status == .ok)
            #expect(try await client.get("/customer/info?end_user_id=newcomer").json?["blocked"] == true)
        }
    }

    @Test func anEndUsersModelsAndRegionChooseWhatServesIt() async throws {
        try await withGatehouse(Self.config) { client, _ in
            _ = try await client.post("/customer/new", ["user_id": "narrow", "models": ["mock-gpt"]])
            let denied = try await client.post("/v1/chat/completions", chat("openai/gpt-4o", user: "narrow"))
            #expect(denied.status == .forbidden && denied.json?["error"]?["type"] == "customer_model_access_denied")

            _ = try await client.post("/customer/new", ["user_id": "european", "allowed_model_region": "eu"])
            for _ in 0..<4 {
                let served = try await client.post("/v1/chat/completions", chat("regional", user: "european"))
                #expect(served.headers[HTTPField.Name("x-gatehouse-deployment")!] == "regional-eu")
            }
            // No deployment of mock-gpt is in the EU: refused, unless a default model is.
            let outside = try await client.post("/v1/chat/completions", chat("mock-gpt", user: "european"))
            #expect(outside.status == .badRequest && outside.json?["error"]?["code"] == "no_deployment_in_region")
            #expect(try await client.post("/customer/update", ["user_id": "european", "default_model": "regional"]).status == .ok)
            let redirected = try await client.post("/v1/chat/completions", chat("mock-gpt", user: "european"))
            #expect(redirected.headers[HTTPField.Name("x-gatehouse-deployment")!] == "regional-eu")
        }
    }

    @Test func aSharedBudgetBindsEveryReferrerAndItsChangesReachThem() async throws {
        try await withGatehouse(Self.config) { client, _ in
            #expect(try await client.post("/budget/new", ["budget_id": "free", "rpm_limit": 1]).status == .ok)
            #expect(try await client.post("/budget/new", ["budget_id": "free"]).status == .badRequest)
            _ = try await client.post("/customer/new", ["user_id": "a", "budget_id": "free"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "a")).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "a")).status == .tooManyRequests)

            // A key referring to it: the budget's limit wins over the key's own.
            let key = try #require(
                try await client.post("/key/generate", ["budget_id": "free", "rpm_limit": 1000]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt"), headers: bearer(key)).status == .ok)
            #expect(
                try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt"), headers: bearer(key)).status == .tooManyRequests)

            #expect(try await client.post("/budget/update", ["budget_id": "free", "rpm_limit": 100]).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt", user: "a")).status == .ok)
            #expect(try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt"), headers: bearer(key)).status == .ok)

            // In use, it cannot be deleted (its referrers' limits would be lifted).
            let inUse = try await client.post("/budget/delete", ["id": "free"])
            #expect(inUse.status == .badRequest && inUse.json?["error"]?["message"]?.stringValue?.contains("end_user:a") == true)
            #expect(try await client.get("/budget/list").json?.arrayValue?.count == 1)
            let settings = try await client.get("/budget/settings?budget_id=free").json?.arrayValue ?? []
            #expect(settings.first { $0["field_name"] == "rpm_limit" }?["field_value"] == 100)
            _ = try await client.post("/customer/delete", ["user_ids": ["a"]])
            _ = try await client.post("/key/delete", ["keys": [.string(key)]])
            #expect(try await client.post("/budget/delete", ["id": "free"]).status == .ok)
            #expect(try await client.get("/budget/list").json?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aKeysSpendIsShownInItsBudgetsPeriod() async throws {
        try await withGatehouse(Self.config) { client, _ in
            _ = try await client.post("/budget/new", ["budget_id": "daily", "max_budget": 10, "budget_duration": "1d"])
            let created = try await client.post("/key/generate", ["budget_id": "daily"]).json
            let key = try #require(created?["key"]?.stringValue)
            let token = try #require(created?["token"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", GatehouseServerTests.chat("mock-gpt"), headers: bearer(key)).status == .ok)
            let spent = try await eventually {
                (try await client.get("/key/info?key=\(token)").json?["info"]?["spend"]?.doubleValue ?? 0) > 0
            }
            #expect(spent)
        }
    }

    @Test func onlyProxyAdminsAttachBudgetsOrManageEndUsers() async throws {
        try await withGatehouse(Self.config) { client, _ in
            _ = try await client.post("/budget/new", ["budget_id": "tight", "max_budget": 1])
            for user in ["ann", "bob"] { _ = try await client.post("/user/new", ["user_id": .string(user), "auto_create_key": false]) }
            _ = try await client.post(
                "/team/new",
                ["team_id": "search", "members_with_roles": [["user_id": "ann", "role": "admin"], ["user_id": "bob", "role": "user"]]])
            let ann = try #require(try await client.post("/key/generate", ["user_id": "ann", "team_id": "search"]).json?["key"]?.stringValue)
            let bob = try #require(try await client.post("/key/generate", ["user_id": "bob", "team_id": "search"]).json?["key"]?.stringValue)
            let bobsKey = try #require(try await client.post("/key/generate", ["user_id": "bob", "budget_id": "tight"]).json?["token"]?.stringValue)

            // Detaching a budget would lift its limits: the holder may not, nor a team admin.
            #expect(try await client.post("/key/update", ["key": .string(bobsKey), "budget_id": .null], headers: bearer(bob)).status == .forbidden)
            #expect(try await client.post("/key/generate", ["budget_id": "tight"], headers: bearer(bob)).status == .forbidden)
            #expect(
                try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "budget_id": "tight"], headers: bearer(ann))
                    .status
                    == .forbidden)
            #expect(try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "budget_id": "tight"]).status == .ok)
            #expect(try await client.post("/team/member_update", ["team_id": "search", "user_id": "bob", "budget_id": "none"]).status == .notFound)
            #expect(try await client.post("/key/generate", ["budget_id": "none"]).status == .notFound)

            for (path, body) in [
                ("/customer/new", ["user_id": "x"] as JSONValue), ("/customer/block", ["user_ids": ["x"]]), ("/budget/new", ["budget_id": "y"]),
                ("/budget/update", ["budget_id": "tight", "max_budget": 100]), ("/budget/delete", ["id": "tight"]),
            ] {
                #expect(try await client.post(path, body, headers: bearer(ann)).status == .forbidden, "\(path)")
            }
            #expect(try await client.get("/customer/list", headers: bearer(ann)).status == .forbidden)
            #expect(try await client.get("/budget/list", headers: bearer(ann)).status == .forbidden)
            // Changes are audited.
            let records = try await client.get("/audit?action=budget.new&outcome=success").json?["records"]?.arrayValue ?? []
            #expect(records.first?["object"] == "budget:tight")
        }
    }

    @Test func badEndUserInputIsRefusedClearly() async throws {
        try await withGatehouse(Self.config) { client, _ in
            _ = try await client.post("/budget/new", ["budget_id": "b"])
            let cases: [(JSONValue, String)] = [
                (["user_id": "x", "budget_id": "b", "max_budget": 1], "budget_id"),
                (["user_id": "x", "allowed_model_region": "asia"], "allowed_model_region"),
                (["user_id": "x", "default_model": "nothing"], "default_model"),
                (["user_id": "x", "spend": 5], "spend"),
                (["user_id": "x", "max_budget": 1, "model_max_budget": ["gpt-4o": ["max_budget": 1]]], "model_max_budget"),
                (["user_id": "x", "max_budget": -1], "max_budget"),
                (["alias": "no id"], "user_id"),
            ]
            for (body, param) in cases {
                let answer = try await client.post("/customer/new", body)
                #expect(answer.status == .badRequest && answer.json?["error"]?["param"]?.stringValue == param, "\(param)")
            }
            #expect(try await client.post("/customer/new", ["user_id": "x", "budget_id": "missing"]).status == .notFound)
            #expect(try await client.get("/customer/info?end_user_id=nobody").status == .notFound)
            #expect(try await client.post("/customer/delete", ["user_ids": ["nobody"]]).status == .notFound)
            #expect(try await client.post("/customer/update", ["user_id": "nobody", "alias": "a"]).status == .notFound)
            // Nothing was created by the refused requests.
            #expect(try await client.get("/customer/list").json?.arrayValue?.isEmpty == true)
            #expect(try await client.get("/budget/list").json?.arrayValue?.count == 1)

            for id in ["alpha-1", "alpha-2", "beta-1"] {
                _ = try await client.post("/customer/new", ["user_id": .string(id), "alias": "Team Alpha"])
            }
            let found = try await client.get("/customer/list?search=ALPHA&page_size=1&page=2").json?.arrayValue ?? []
            #expect(found.count == 1 && found.first?["user_id"] == "alpha-2")
            #expect(try await client.get("/end_user/list?search=50%25").json?.arrayValue?.isEmpty == true)
            #expect(try await client.post("/customer/new", ["user_id": "alpha-1"]).status == .badRequest)
        }
    }
}
