import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// LiteLLM's patterns (`*`, `groq/*`), aliases and deployment defaults, through a live Gatehouse.
@Suite("Patterns and deployment defaults, live")
struct WildcardLiveTests {
    static func config(port: Int) -> GatehouseConfig {
        var any = deployment("*", port: port, id: "any")
        any.upstreamModel = "*"
        var groq = deployment("groq/*", port: port, id: "groq")
        groq.upstreamModel = "*"
        var tuned = deployment("tuned", port: port, id: "tuned")
        tuned.requestDefaults = ["temperature": 0.1, "reasoning_effort": "low", "max_tokens": 64]
        var config = GatehouseConfig(models: [tuned, any, groq])
        config.router.aliases = ["fast": .init(model: "groq/llama-3-8b", hidden: false)]
        return config
    }

    @Test func aPatternForwardsTheModelAskedFor() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok")) }
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                #expect(try await client.post("/v1/chat/completions", chat("gpt-4o")).status == .ok)
                #expect(try await client.post("/v1/chat/completions", chat("groq/llama-3-70b")).status == .ok)
                #expect(try await client.post("/v1/chat/completions", chat("fast")).status == .ok)
                #expect(upstream.requests.map { $0.body?["model"]?.stringValue } == ["gpt-4o", "llama-3-70b", "llama-3-8b"])
                let listed = try await client.get("/v1/models").json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                #expect(listed.contains("tuned") && listed.contains("fast") && listed.contains("gpt-4o") == false)
                #expect(!listed.contains { $0.contains("*") })
                // `/v1/models/{id}` knows what a pattern serves.
                #expect(try await client.get("/v1/models/groq%2Fmixtral").status == .ok)
            }
        }
    }

    @Test func aKeysPatternBoundsWhatItReaches() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok")) }
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let key = try #require(try await client.post("/key/generate", ["models": ["groq/*"]]).json?["key"]?.stringValue)
                #expect(try await client.post("/v1/chat/completions", chat("groq/llama-3-70b"), headers: bearer(key)).status == .ok)
                #expect(try await client.post("/v1/chat/completions", chat("gpt-4o"), headers: bearer(key)).status == .forbidden)
                // `fast` is an alias of a groq model, but the key names models, not aliases.
                #expect(try await client.post("/v1/chat/completions", chat("fast"), headers: bearer(key)).status == .forbidden)
                #expect(try await client.post("/v1/chat/completions", chat("groq-x/evil"), headers: bearer(key)).status == .forbidden)
                let listed = try await client.get("/v1/models", headers: bearer(key)).json?["data"]?.arrayValue ?? []
                #expect(listed.isEmpty)
            }
        }
    }

    @Test func aPatternIsPricedByTheModelItReaches() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok")) }
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let key = try #require(try await client.post("/key/generate", ["max_budget": 0.001]).json?["key"]?.stringValue)
                var expensive = chat("gpt-4o")
                expensive["max_tokens"] = 10_000
                // gpt-4o's built-in price: 10,000 tokens out may cost $0.10, past a $0.001 budget.
                let refused = try await client.post("/v1/chat/completions", expensive, headers: bearer(key))
                #expect(refused.status == .badRequest && refused.json?["error"]?["type"] == "budget_exceeded")
                #expect(upstream.requests.isEmpty)
                var small = chat("gpt-4o")
                small["max_tokens"] = 10
                #expect(try await client.post("/v1/chat/completions", small, headers: bearer(key)).status == .ok)
            }
        }
    }

    @Test func deploymentDefaultsFillWhatTheClientLeftOut() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok")) }
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let plain = try await client.post("/v1/chat/completions", chat("tuned"))
                #expect(plain.status == .ok)
                var own = chat("tuned")
                own["temperature"] = 0.9
                own["max_completion_tokens"] = 10
                let overridden = try await client.post("/v1/chat/completions", own)
                #expect(overridden.status == .ok)
                let embedded = try await client.post("/v1/embeddings", ["model": "tuned", "input": "x"])
                #expect(embedded.status == .ok)
                let bodies = upstream.requests.compactMap(\.body)
                #expect(bodies[0]["temperature"] == 0.1 && bodies[0]["reasoning_effort"] == "low" && bodies[0]["max_tokens"] == 64)
                // The client's own values win; its length field keeps the default's out.
                #expect(bodies[1]["temperature"] == 0.9 && bodies[1]["max_tokens"] == nil && bodies[1]["max_completion_tokens"] == 10)
                // Chat parameters are not sent to an embeddings call.
                #expect(bodies[2]["temperature"] == nil && bodies[2]["max_tokens"] == nil)
            }
        }
    }

    @Test func readinessAsksTheStore() async throws {
        try await withGatehouse(GatehouseConfig.embeddedDefault) { client, _ in
            let ready = try await client.get("/health/readiness", headers: [:])
            #expect(ready.status == .ok && ready.json == ["status": "healthy", "db": "connected"])
            #expect(try await client.get("/health/readiness/details", headers: [:]).status == .unauthorized)
            let details = try await client.get("/health/readiness/details")
            #expect(details.json?["litellm_version"]?.stringValue == GatehouseVersion.current && details.json?["db"] == "connected")
        }
    }
}
