import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What Claude Code and the Anthropic SDK need of a gateway: their `anthropic-version` and
/// `anthropic-beta` reach Anthropic, and `/v1/messages/count_tokens` answers.
@Suite("Anthropic headers and token counting")
struct AnthropicHeadersLiveTests {
    static func message(_ model: String) -> JSONValue {
        ["model": .string(model), "max_tokens": 100, "messages": [["role": "user", "content": "Count me"]]]
    }

    static func upstream() -> RecordingUpstream {
        RecordingUpstream { request, _ in
            if request.path.hasSuffix("/count_tokens") { return RecordingUpstream.json(["input_tokens": 12]) }
            return RecordingUpstream.json([
                "id": "msg_1", "type": "message", "role": "assistant", "content": [["type": "text", "text": "ok"]],
                "stop_reason": "end_turn", "usage": ["input_tokens": 8, "output_tokens": 3],
            ])
        }
    }

    @Test func theClientsVersionAndBetasReachAnthropic() async throws {
        let upstream = Self.upstream()
        try await upstream.run { port in
            let config = GatehouseConfig(models: [deployment("claude", provider: .anthropic, port: port), deployment("gpt", port: port)])
            try await withGatehouse(config) { client, _ in
                var headers: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]
                headers[HTTPField.Name("anthropic-version")!] = "2023-06-01"
                headers.append(HTTPField(name: HTTPField.Name("anthropic-beta")!, value: "interleaved-thinking-2025-05-14, context-1m-2025-08-07"))
                headers.append(HTTPField(name: HTTPField.Name("anthropic-beta")!, value: "prompt-caching-2024-07-31"))
                #expect(try await client.post("/v1/messages", Self.message("claude"), headers: headers).status == .ok)
                let received = try #require(upstream.requests.last)
                #expect(received.header("anthropic-beta") == "interleaved-thinking-2025-05-14,context-1m-2025-08-07,prompt-caching-2024-07-31")
                #expect(received.header("anthropic-version") == "2023-06-01")
                // An OpenAI-format deployment has no betas: they stay here.
                #expect(try await client.post("/v1/messages", Self.message("gpt"), headers: headers).status == .ok)
                #expect(upstream.requests.last?.header("anthropic-beta") == nil)
                // Only what Anthropic's headers look like is passed on.
                var forged = headers
                forged[HTTPField.Name("anthropic-beta")!] = "x; injected=1"
                let refused = try await client.post("/v1/messages", Self.message("claude"), headers: forged)
                #expect(refused.status == .badRequest && refused.text.contains("`anthropic-beta` is malformed"))
                forged[HTTPField.Name("anthropic-beta")!] = nil
                forged[HTTPField.Name("anthropic-version")!] = "latest"
                #expect(try await client.post("/v1/messages", Self.message("claude"), headers: forged).status == .badRequest)
                // Two versions are joined as one value, which is no date: refused, not one of them chosen.
                forged[HTTPField.Name("anthropic-version")!] = "2023-06-01"
                forged.append(HTTPField(name: HTTPField.Name("anthropic-version")!, value: "2023-01-01"))
                let twoVersions = try await client.post("/v1/messages", Self.message("claude"), headers: forged)
                #expect(twoVersions.status == .badRequest && twoVersions.text.contains("`anthropic-version` is malformed"))
            }
        }
    }

    @Test func tokensAreCountedByAnthropicOrEstimated() async throws {
        let upstream = Self.upstream()
        try await upstream.run { port in
            let config = GatehouseConfig(models: [deployment("claude", provider: .anthropic, port: port), deployment("gpt", port: port)])
            try await withGatehouse(config) { client, _ in
                let counted = try await client.post("/v1/messages/count_tokens", Self.message("claude"))
                #expect(counted.status == .ok && counted.json == ["input_tokens": 12])
                let received = try #require(upstream.requests.last)
                #expect(received.path == "/v1/messages/count_tokens" && received.body?["model"] == "up-claude")
                #expect(received.body?["max_tokens"] == nil && received.header("x-api-key") == TestKeys.upstream)
                let estimated = try await client.post("/v1/messages/count_tokens", Self.message("gpt"))
                #expect(estimated.status == .ok && estimated.headers[HTTPField.Name("x-gatehouse-token-count")!] == "estimate")
                #expect((estimated.json?["input_tokens"]?.intValue ?? 0) > 0)
                #expect(upstream.requests.count == 1)
                // Held to the caller's models like a message.
                let key = try #require(try await client.post("/key/generate", ["models": ["gpt"]]).json?["key"]?.stringValue)
                #expect(try await client.post("/v1/messages/count_tokens", Self.message("claude"), headers: bearer(key)).status == .forbidden)
                #expect(try await client.post("/v1/messages/count_tokens", Self.message("nope")).status == .notFound)
            }
        }
    }
}
