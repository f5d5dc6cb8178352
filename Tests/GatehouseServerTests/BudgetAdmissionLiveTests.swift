import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The three ways a budget admits requests, raced: `reserve` never overspends, `spend` (LiteLLM's)
/// overshoots by at most what is in flight, `fit` lowers `max_tokens` exactly as far as needed.
@Suite("Budget admission modes, live")
struct BudgetAdmissionLiveTests {
    @Test func spendAdmitsWhileSpendIsBelowTheBudgetAndOvershootsByWhatIsInFlight() async throws {
        var config = BudgetLiveTests.config(latencyMs: 200)
        config.server.metering.budgetAdmission = .spend
        try await withGatehouse(config) { client, port in
            let created = try await client.post("/key/generate", ["max_budget": 0.03])
            let key = try #require(created.json?["key"]?.stringValue)
            // Requests that start while spend is below $0.03 are admitted (LiteLLM's rule): more
            // than the three the budget affords, as many as start before those end.
            let statuses = try await concurrently(50, port: port, key: key, body: BudgetLiveTests.request()).map(\.0)
            let admitted = statuses.filter { $0 == 200 }.count
            #expect(admitted >= 3)
            let id = try #require(created.json?["token"]?.stringValue)
            let spend = try #require(try await client.get("/key/info?key=\(id)").json?["info"]?["spend"]?.doubleValue)
            // The overshoot: what the admitted requests cost past the budget, within the bound of
            // what was in flight (50 requests of at most $0.01 each).
            #expect(abs(spend - Double(admitted) * 0.01) < 1e-9)
            #expect(spend - 0.03 <= 50 * 0.01 + 1e-9)
            let refused = try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key))
            #expect(refused.status == .badRequest && refused.json?["error"]?["type"] == "budget_exceeded")
            let message = try #require(refused.json?["error"]?["message"]?.stringValue)
            #expect(message.hasPrefix("Budget has been exceeded! Key=key Current cost: \(USD(dollars: spend)), Max budget: 0.03."))
            print("spend mode: \(admitted) of 50 admitted against $0.03, overshoot $\(spend - 0.03)")
        }
    }

    @Test func aTinySpendBudgetStillMakesItsFirstCall() async throws {
        try await withGatehouse(BudgetLiveTests.config()) { client, _ in
            let key = try #require(
                try await client.post("/key/generate", ["max_budget": 0.001, "budget_admission": "spend", "key_alias": "tiny"]).json?["key"]?
                    .stringValue)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key)).status == .ok)
            let second = try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key))
            #expect(second.json?["error"]?["message"]?.stringValue?.hasPrefix("Budget has been exceeded! Key=tiny Current cost: 0.01") == true)
            // Under `reserve` (the default) the same key could not have made one call, and is told why.
            let strict = try #require(try await client.post("/key/generate", ["max_budget": 0.001]).json?["key"]?.stringValue)
            let refused = try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(strict))
            let message = try #require(refused.json?["error"]?["message"]?.stringValue)
            #expect(message.contains("Budget has been exceeded! Key=key Current cost: 0, Max budget: 0.001."))
            #expect(message.contains("0.001 USD remains; this request could cost up to 0.01 USD"))
            #expect(message.contains("With `max_tokens` at most 1 it would be admitted."))
        }
    }

    /// `fitted`: input free, output $0.0001 a token; the upstream answers with 2 completion tokens.
    static func fitConfig(port: Int) -> GatehouseConfig {
        var fitted = deployment("fitted", port: port)
        fitted.inputCostPerToken = 0
        fitted.outputCostPerToken = 0.0001
        var config = GatehouseConfig(models: [fitted])
        config.server.metering.spendFlushIntervalSeconds = 0.05
        return config
    }

    static func fitRequest(maxTokens: Int = 100) -> JSONValue {
        var body = chat("fitted")
        body["max_tokens"] = JSONValue(maxTokens)
        return body
    }

    @Test func fitLowersMaxTokensExactlyAsFarAsNeeded() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok", prompt: 5, completion: 2)) }
        try await upstream.run { port in
            try await withGatehouse(Self.fitConfig(port: port)) { client, _ in
                let key = try #require(
                    try await client.post("/key/generate", ["max_budget": 0.005, "budget_admission": "fit"]).json?["key"]?.stringValue)
                // $0.005 left at $0.0001 a token: 50 tokens fit of the 100 asked for.
                let first = try await client.post("/v1/chat/completions", Self.fitRequest(), headers: bearer(key))
                #expect(first.status == .ok && first.headers[HTTPField.Name("x-gatehouse-max-tokens")!] == "50")
                #expect(upstream.requests.last?.body?["max_tokens"] == 50)
                // It cost 2 tokens ($0.0002): $0.0048 left, 48 tokens.
                let second = try await client.post("/v1/chat/completions", Self.fitRequest(), headers: bearer(key))
                #expect(second.headers[HTTPField.Name("x-gatehouse-max-tokens")!] == "48" && upstream.requests.last?.body?["max_tokens"] == 48)
                // A request that fits as it is goes unchanged, without the header.
                let small = try await client.post("/v1/chat/completions", Self.fitRequest(maxTokens: 20), headers: bearer(key))
                #expect(small.status == .ok && small.headers[HTTPField.Name("x-gatehouse-max-tokens")!] == nil)
                #expect(upstream.requests.last?.body?["max_tokens"] == 20)
                // `max_completion_tokens` is lowered the same way.
                var modern = chat("fitted")
                modern["max_completion_tokens"] = 1000
                _ = try await client.post("/v1/chat/completions", modern, headers: bearer(key))
                #expect(upstream.requests.last?.body?["max_completion_tokens"] == 44 && upstream.requests.last?.body?["max_tokens"] == nil)
            }
        }
    }

    @Test func fitRefusesWhenFewerThanSixteenTokensFit() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok", prompt: 5, completion: 2)) }
        try await upstream.run { port in
            try await withGatehouse(Self.fitConfig(port: port)) { client, _ in
                let key = try #require(
                    try await client.post("/key/generate", ["max_budget": 0.0015, "budget_admission": "fit"]).json?["key"]?.stringValue)
                let refused = try await client.post("/v1/chat/completions", Self.fitRequest(), headers: bearer(key))
                #expect(refused.status == .badRequest)
                #expect(refused.json?["error"]?["message"]?.stringValue?.contains("With `max_tokens` at most 15 it would be admitted.") == true)
                #expect(upstream.requests.isEmpty)
            }
        }
    }

    @Test func fiftyConcurrentFitRequestsNeverOverspend() async throws {
        let upstream = RecordingUpstream { _, _ in
            try await Task.sleep(for: .milliseconds(100))
            return RecordingUpstream.json(RecordingUpstream.chatCompletion("ok", prompt: 5, completion: 2))
        }
        try await upstream.run { port in
            try await withGatehouse(Self.fitConfig(port: port)) { client, gatehousePort in
                let created = try await client.post("/key/generate", ["max_budget": 0.02, "budget_admission": "fit"])
                let key = try #require(created.json?["key"]?.stringValue)
                let statuses = try await concurrently(50, port: gatehousePort, key: key, body: Self.fitRequest()).map(\.0)
                let admitted = statuses.filter { $0 == 200 }.count
                // What is in flight at once fits $0.02 (200 tokens at $0.0001); each request was
                // granted at least 16 tokens and at most the 100 it asked for.
                let granted = upstream.requests.compactMap { $0.body?["max_tokens"]?.intValue }
                #expect(admitted == granted.count && admitted >= 2)
                #expect(granted.allSatisfy { $0 >= 16 && $0 <= 100 })
                let id = try #require(created.json?["token"]?.stringValue)
                let spend = try #require(try await client.get("/key/info?key=\(id)").json?["info"]?["spend"]?.doubleValue)
                #expect(spend <= 0.02 && abs(spend - Double(admitted) * 0.0002) < 1e-9)
            }
        }
    }

    @Test func aModeIsChosenWithinTheCallersOwn() async throws {
        try await withGatehouse(BudgetLiveTests.config()) { client, _ in
            #expect(try await client.post("/key/generate", ["budget_admission": "lenient"]).status == .badRequest)
            _ = try await client.post("/team/new", ["team_id": "t", "max_budget": 10])
            _ = try await client.post("/user/new", ["user_id": "lead", "user_role": "internal_user"])
            _ = try await client.post("/team/member_add", ["team_id": "t", "member": ["user_id": "lead", "role": "admin"]])
            let lead = try #require(try await client.post("/key/generate", ["user_id": "lead", "team_id": "t"]).json?["key"]?.stringValue)
            // A team admin may not let a key overshoot under a team that reserves.
            let loose = try await client.post("/key/generate", ["team_id": "t", "max_budget": 1, "budget_admission": "spend"], headers: bearer(lead))
            #expect(loose.status == .forbidden)
            let strict = try await client.post("/key/generate", ["team_id": "t", "max_budget": 1, "budget_admission": "fit"], headers: bearer(lead))
            #expect(strict.status == .ok && strict.json?["budget_admission"] == "fit")
        }
    }
}
