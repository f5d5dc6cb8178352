import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// LiteLLM's comma-separated multi-model request and the Azure OpenAI SDK's deployment paths.
@Suite("Several models in one request; Azure's paths")
struct SeveralModelsLiveTests {
    static func config(port: Int) -> GatehouseConfig {
        GatehouseConfig(models: ["fast", "other", "slow", "broken"].map { deployment($0, port: port, id: $0) })
    }

    /// Holds the slow model's answer until the test opens it.
    final class Gate: Sendable {
        private let (opened, opener) = AsyncStream<Void>.makeStream()
        func wait() async { for await _ in opened {} }
        func open() { opener.finish() }
    }

    static func upstream(slow: Gate = Gate()) -> RecordingUpstream {
        RecordingUpstream { request, _ in
            let model = request.body?["model"]?.stringValue ?? ""
            if model == "up-slow" { await slow.wait() }
            if model == "up-broken" { return RecordingUpstream.json(["error": ["message": "bad request"]], status: .badRequest) }
            return RecordingUpstream.json(RecordingUpstream.chatCompletion("from \(model)", model: model))
        }
    }

    @Test func everyModelNamedAnswersInOrder() async throws {
        let upstream = Self.upstream()
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let both = try await client.post("/v1/chat/completions", chat("other, fast"))
                #expect(both.status == .ok)
                let answers = try #require(both.json?.arrayValue)
                #expect(answers.map { $0["model"] } == ["up-other", "up-fast"])
                // A model that fails is its error, in its place.
                let mixed = try #require(try await client.post("/v1/chat/completions", chat("fast,broken")).json?.arrayValue)
                #expect(mixed.count == 2 && mixed[0]["model"] == "up-fast" && mixed[1]["error"]?["message"] == "bad request")
                // Each model is its own request, with its own spend row.
                _ = try await eventually { try await client.get("/spend/logs").json?.arrayValue?.count == 4 }
                let rows = try await client.get("/spend/logs").json?.arrayValue ?? []
                #expect(Set(rows.compactMap { $0["model"]?.stringValue }) == ["fast", "other", "broken"])
            }
        }
    }

    @Test func everyModelIsAuthorizedBeforeAnyIsAsked() async throws {
        let upstream = Self.upstream()
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let key = try #require(try await client.post("/key/generate", ["models": ["fast"]]).json?["key"]?.stringValue)
                let refused = try await client.post("/v1/chat/completions", chat("fast,other"), headers: bearer(key))
                #expect(refused.status == .forbidden && refused.json?["error"]?["type"] == "key_model_access_denied")
                #expect(try await client.post("/v1/chat/completions", chat("fast,nothing")).status == .notFound)
                #expect(try await client.post("/v1/chat/completions", chat("fast,fast")).status == .badRequest)
                #expect(try await client.post("/v1/chat/completions", chat("fast,,other")).status == .badRequest)
                let six = Array(repeating: "m", count: 6).enumerated().map { "\($1)\($0)" }.joined(separator: ",")
                #expect(try await client.post("/v1/chat/completions", chat(six)).json?["error"]?["message"] == "A request may name at most 5 models.")
                #expect(try await client.post("/v1/chat/completions", chat("fast,other", stream: true)).status == .badRequest)
                // Embeddings take one model: a comma is part of a name there.
                #expect(try await client.post("/v1/embeddings", ["model": "fast,other", "input": "x"]).status == .notFound)
                #expect(upstream.requests.isEmpty)
            }
        }
    }

    /// The slow model's answer is held until the fast one has come back: no time is measured
    /// (a loaded machine once took 2.4 s for the fast answer against a slow one of 2 s). A
    /// Gatehouse that waited for every answer would never answer; the time limit ends the test.
    @Test(.timeLimit(.minutes(1))) func theFastestAnswerWins() async throws {
        let slow = Gate()
        let upstream = Self.upstream(slow: slow)
        try await upstream.run { port in
            // Opened before the upstream stops: it waits for the slow answer to end.
            defer { slow.open() }
            try await withGatehouse(Self.config(port: port)) { client, _ in
                var body = chat("slow,fast")
                body["fastest_response"] = true
                let answer = try await client.post("/v1/chat/completions", body)
                #expect(answer.status == .ok && answer.json?["model"] == "up-fast")
                #expect(upstream.requests.allSatisfy { $0.body?["fastest_response"] == nil })
            }
        }
    }

    @Test func azuresSDKPathsNameTheModel() async throws {
        let upstream = Self.upstream()
        try await upstream.run { port in
            try await withGatehouse(Self.config(port: port)) { client, _ in
                let key = try #require(try await client.post("/key/generate", ["models": ["fast"]]).json?["key"]?.stringValue)
                let body: JSONValue = ["messages": [["role": "user", "content": "hi"]]]
                let answer = try await client.post(
                    "/openai/deployments/fast/chat/completions?api-version=2024-10-21", body, headers: [HTTPField.Name("api-key")!: key])
                #expect(answer.status == .ok && answer.json?["model"] == "up-fast")
                #expect(upstream.requests.last?.body?["model"] == "up-fast" && upstream.requests.last?.path.contains("api-version") == false)
                // The path's model is the one authorized, whatever the body says.
                var sneaky = body
                sneaky["model"] = "fast"
                let refused = try await client.post(
                    "/openai/deployments/other/chat/completions?api-version=2024-10-21", sneaky, headers: [HTTPField.Name("api-key")!: key])
                #expect(refused.status == .forbidden)
            }
        }
    }
}
