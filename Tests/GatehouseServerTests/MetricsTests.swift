import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Metrics at /metrics")
struct MetricsTests {
    /// The value of the sample of `name` whose labels include every one of `labels`.
    func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let labelText = line.drop { $0 != "{" }.prefix { $0 != "}" }
            guard labels.allSatisfy({ labelText.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test func requestsAuthenticationsTokensCostAndRefusalsAreCounted() async throws {
        var config = BudgetLiveTests.config()
        config.server.observability.metricsKeyAliases = ["search-prod"]
        try await withGatehouse(config) { client, _ in
            let listed = try #require(
                try await client.post("/key/generate", ["key_alias": "search-prod", "rpm_limit": 1]).json?["key"]?.stringValue)
            let unlisted = try #require(try await client.post("/key/generate", ["key_alias": "secret-project"]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(listed)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(listed)).status == .tooManyRequests)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(unlisted)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer("sk-wrong")).status == .unauthorized)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: [:]).status == .unauthorized)

            let scraped = try await client.get("/metrics")
            #expect(scraped.status == .ok && scraped.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = scraped.text
            #expect(sample(text, "gatehouse_http_requests_total", ["route": "/v1/chat/completions", "status": "200"]) == 2)
            #expect(sample(text, "gatehouse_http_requests_total", ["route": "/v1/chat/completions", "status": "429"]) == 1)
            #expect(sample(text, "gatehouse_http_requests_total", ["route": "/v1/chat/completions", "status": "401"]) == 2)
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "api_key", "outcome": "success"]) == 3)
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "api_key", "outcome": "failure", "reason": "invalid"]) == 1)
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "none", "outcome": "failure", "reason": "missing"]) == 1)
            // Two key creations and the scrape itself.
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "master_key", "outcome": "success"]) == 3)
            #expect(sample(text, "gatehouse_model_requests_total", ["model": "priced", "status": "200"]) == 2)
            #expect(sample(text, "gatehouse_tokens_total", ["model": "priced", "type": "completion"]) == 20)
            #expect(sample(text, "gatehouse_tokens_total", ["model": "priced", "type": "prompt"]) == 14)
            #expect(sample(text, "gatehouse_cost_usd_total", ["model": "priced"]).map { abs($0 - 0.02) < 1e-9 } == true)
            #expect(sample(text, "gatehouse_limit_rejections_total", ["kind": "rate", "level": "key"]) == 1)
            #expect(sample(text, "gatehouse_upstream_duration_seconds_count", ["model": "priced"]) == 2)
            #expect(sample(text, "gatehouse_overhead_seconds_count") == 2)
            #expect(sample(text, "gatehouse_http_request_duration_seconds_count", ["route": "/v1/chat/completions"]) == 5)
            // Keys appear only by an alias the operator listed; never an id or a secret.
            #expect(sample(text, "gatehouse_key_requests_total", ["key_alias": "search-prod", "status": "200"]) == 1)
            for secret in [listed, unlisted, "secret-project", "sk-wrong", TestKeys.master] { #expect(!text.contains(secret)) }
        }
    }

    @Test func metricsAreHeldToTheManagementAddressListOrCanBeTurnedOff() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.network.managementAllowedIPs = [IPNetwork("10.0.0.0/8")!]
        try await withGatehouse(config) { client, _ in
            let scraper = HTTPField.Name("x-forwarded-for")!
            let allowed = try await client.get("/metrics", headers: [scraper: "10.0.0.9"])
            #expect(allowed.status == .ok)
            #expect(try await client.get("/metrics", headers: [scraper: "203.0.113.4"]).status == .forbidden)
        }
        config.server.observability.metricsEnabled = false
        try await withGatehouse(config) { client, _ in
            let missing = try await client.get("/metrics", headers: [HTTPField.Name("x-forwarded-for")!: "10.0.0.9"])
            #expect(missing.status == .notFound)
            _ = missing
        }
    }

    /// Attack: anyone who reaches the port reads who calls how much. Without an address list,
    /// `/metrics` takes a proxy admin's or viewer's credential unless the operator opens it.
    @Test func metricsNeedAnAdminCredentialUnlessHeldToAddressesOrOpened() async throws {
        var config = GatehouseConfig.embeddedDefault
        try await withGatehouse(config) { client, _ in
            #expect(try await client.get("/metrics", headers: [:]).status == .unauthorized)
            let user = try #require(try await client.post("/user/new", ["user_id": "u"]).json?["key"]?.stringValue)
            #expect(try await client.get("/metrics", headers: bearer(user)).status == .forbidden)
            #expect(try await client.get("/metrics").status == .ok)
        }
        config.server.observability.metricsPublic = true
        try await withGatehouse(config) { client, _ in
            let open = try await client.get("/metrics", headers: [:])
            #expect(open.status == .ok)
        }
    }

    @Test func lockoutsAndClientSecretsAreCounted() async throws {
        try await withGatehouse(OAuthServerTests().config) { client, _ in
            let registered = try await OAuthServerTests().register(client)
            let guess = OAuthServerTests.Client(id: registered.id, secret: "wrong")
            _ = try await OAuthServerTests().accessToken(client, registered)
            for _ in 0..<5 {
                _ = try await OAuthServerTests().form(client, "/oauth/token", "grant_type=client_credentials", authorization: guess.basic)
            }
            let text = try await client.get("/metrics").text
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "client_secret", "outcome": "failure"]) == 5)
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "client_secret", "outcome": "success"]) == 1)
            #expect(sample(text, "gatehouse_lockouts_total", ["method": "client_secret"]) == 1)
        }
    }

    @Test func theTokenCacheHitRatioIsExposed() async throws {
        try await withGatehouse(JWTLiveTests().config) { client, _ in
            let token = JWTLiveTests.token(["sub": "erin"])
            for _ in 0..<3 { #expect(try await client.get("/v1/models", headers: bearer(token)).status == .ok) }
            let text = try await client.get("/metrics").text
            // The first use verifies the token, the next two find it remembered.
            #expect(sample(text, "gatehouse_auth_cache_lookups_total", ["cache": "jwt", "result": "hit"]) == 2)
            #expect(sample(text, "gatehouse_auth_cache_lookups_total", ["cache": "jwt", "result": "miss"]).map { $0 >= 1 } == true)
            #expect(sample(text, "gatehouse_auth_attempts_total", ["method": "jwt", "outcome": "success"]) == 3)
        }
    }

    @Test func identityProviderCallsAreObserved() async throws {
        let seen = ObservedCalls()
        let client = IdentityProviderClient { kind, succeeded in seen.add("\(kind):\(succeeded)") }
        _ = try? await client.get("http://127.0.0.1:9/jwks.json")
        _ = try? await client.postForm("http://127.0.0.1:9/introspect", form: [("token", "t")], basicAuth: nil)
        try await client.shutdown()
        #expect(seen.all == ["jwks:false", "introspection:false"])
    }
}

final class ObservedCalls: Sendable {
    private let calls = Mutex<[String]>([])
    func add(_ call: String) { calls.withLock { $0.append(call) } }
    var all: [String] { calls.withLock { $0 } }
}
