import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// LiteLLM's operations routes (issue 17, point 7): active health checks, the route list and the
/// daily spend report.
@Suite("Operations routes, live")
struct OperationsLiveTests {
    static func config(port: Int) -> GatehouseConfig {
        let good = deployment("good", port: port, id: "good")
        let broken = deployment("broken", port: port, id: "broken")
        var vector = deployment("vector", port: port, id: "vector")
        vector.mode = "embedding"
        var bare = deployment("*", port: port, id: "bare-pattern")
        bare.upstreamModel = "*"
        var probed = deployment("groq/*", port: port, id: "probed-pattern")
        probed.upstreamModel = "*"
        probed.info = ["health_check_model": "groq/llama-probe"]
        var config = GatehouseConfig(models: [good, broken, vector, bare, probed, Deployment.mock(modelName: "mock-gpt")])
        config.models.append(deployment("gone", port: 1, id: "unreachable"))
        return config
    }

    static let upstream = RecordingUpstream { request, _ in
        if request.body?["model"] == "up-broken" {
            return RecordingUpstream.json(["error": ["message": .string("bad key \(TestKeys.upstream)")]], status: .internalServerError)
        }
        if request.path.hasSuffix("/embeddings") {
            return RecordingUpstream.json([
                "object": "list", "data": [["embedding": [0.1], "index": 0]], "usage": ["prompt_tokens": 1, "total_tokens": 1],
            ])
        }
        return RecordingUpstream.json(RecordingUpstream.chatCompletion("pong"))
    }

    @Test func healthChecksEveryDeploymentOnceAndShowsNoSecret() async throws {
        let upstream = Self.upstream
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let health = try await client.get("/health")
                #expect(health.status == .ok)
                let body = try #require(health.json)
                let healthy = body["healthy_endpoints"]?.arrayValue?.compactMap { $0["model_id"]?.stringValue }.sorted()
                let unhealthy = body["unhealthy_endpoints"]?.arrayValue ?? []
                #expect(healthy == ["good", "mock-mock-gpt", "probed-pattern", "vector"])
                #expect(unhealthy.compactMap { $0["model_id"]?.stringValue }.sorted() == ["broken", "unreachable"])
                #expect(body["healthy_count"] == 4 && body["unhealthy_count"] == 2)
                #expect(body["skipped_endpoints"]?.arrayValue?.compactMap { $0["model_id"]?.stringValue } == ["bare-pattern"])
                #expect(unhealthy.first { $0["model_id"] == "broken" }?["error"]?.stringValue?.contains("[redacted]") == true)
                #expect(!health.text.contains(TestKeys.upstream))
                // One probe each (the mock answers in process, nothing listens on port 1): the smallest call, one
                // token or one word embedded; the pattern asks for its probe model.
                let probes = upstream.requests
                #expect(probes.count == 4)
                #expect(probes.first { $0.body?["model"] == "up-good" }?.body?["max_tokens"] == 1)
                #expect(probes.contains { $0.path.hasSuffix("/embeddings") && $0.body?["input"] == "ping" })
                #expect(probes.contains { $0.body?["model"] == "llama-probe" })

                // Cached: asked again (and about one model), the upstreams see nothing new.
                #expect(try await client.get("/health?model=good").status == .ok)
                let broken = try await client.get("/health?model_id=broken")
                #expect(broken.status == .serviceUnavailable && broken.json?["unhealthy_count"] == 1)
                #expect(try await client.get("/health?model=nothing-like-it").status == .notFound)
                #expect(upstream.requests.count == 4)

                // Proxy admins and viewers only.
                let key = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
                #expect(try await client.get("/health", headers: bearer(key)).status == .forbidden)
                #expect(try await client.get("/health/liveliness", headers: [:]).status == .ok)
            }
        }
    }

    @Test func routesListWhatTheListenerServes() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let routes = try #require(try await client.get("/routes").json?["routes"]?.arrayValue)
            let methods = Dictionary(uniqueKeysWithValues: routes.compactMap { route in route["path"]?.stringValue.map { ($0, route["methods"]) } })
            #expect(methods["/v1/chat/completions"] == ["POST"] && methods["/key/generate"] == ["POST"])
            #expect(methods["/health"] == ["GET"] && methods["/routes"] == ["GET"] && methods["/global/spend/report"] == ["GET"])
            #expect(try await client.get("/routes", headers: [:]).status == .unauthorized)
        }
    }

    @Test func theSpendReportGroupsADaysSpend() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.models[0].inputCostPerToken = 0.001
        config.models[0].outputCostPerToken = 0.001
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "search", "team_alias": "Search"])
            let teamKey = try #require(try await client.post("/key/generate", ["team_id": "search"]).json?["key"]?.stringValue)
            let ownKey = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            var withUser = chat("mock-gpt")
            withUser["user"] = "customer-7"
            for (key, body) in [(teamKey, withUser), (teamKey, chat("mock-gpt")), (ownKey, chat("mock-gpt"))] {
                #expect(try await client.post("/v1/chat/completions", body, headers: bearer(key)).status == .ok)
            }
            let today = Date().formatted(.iso8601.year().month().day())
            let range = "start_date=\(today)&end_date=\(today)"
            let total = try #require(try await client.get("/global/spend").json?["spend"]?.doubleValue)
            #expect(total > 0)

            let byTeam = try #require(try await client.get("/global/spend/report?\(range)").json?.arrayValue)
            #expect(byTeam.count == 1 && byTeam[0]["group_by_day"]?.stringValue == today)
            let teams = try #require(byTeam[0]["teams"]?.arrayValue)
            let search = try #require(teams.first { $0["team_id"] == "search" })
            #expect(search["team_name"] == "Search" && search["metadata"]?.arrayValue?.first?["model"] == "mock-gpt")
            let sum = teams.compactMap { $0["total_spend"]?.doubleValue }.reduce(0, +)
            #expect(abs(sum - total) < 1e-9)

            let byCustomer =
                try await client.get("/global/spend/report?\(range)&group_by=customer").json?.arrayValue?.first?["customers"]?.arrayValue ?? []
            #expect(Set(byCustomer.map { $0["customer"] }) == [.null, "customer-7"])
            let byProvider =
                try await client.get("/global/spend/report?\(range)&group_by=provider").json?.arrayValue?.first?["providers"]?.arrayValue ?? []
            #expect(byProvider.map { $0["provider"] } == ["mock"])
            let byKey = try #require(try await client.get("/global/spend/report?\(range)&group_by=api_key").json?.arrayValue)
            #expect(byKey.count == 2 && byKey.allSatisfy { $0["model_details"]?.arrayValue?.count == 1 })
            #expect(byKey.compactMap { $0["requests"]?.intValue }.sorted() == [1, 2])

            // Bounded and checked.
            #expect(try await client.get("/global/spend/report").status == .badRequest)
            #expect(try await client.get("/global/spend/report?start_date=2024-01-01&end_date=2026-01-01").status == .badRequest)
            #expect(try await client.get("/global/spend/report?\(range)&group_by=planet").status == .badRequest)
            #expect(try await client.get("/global/spend/report?\(range)", headers: bearer(ownKey)).status == .forbidden)
        }
    }
}
