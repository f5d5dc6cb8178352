import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Master key authentication")
struct AuthenticationTests {
    let config = GatehouseConfig(models: [Deployment.mock(modelName: "mock-gpt")])

    @Test func missingCredentialIs401WithChallengeAndEnvelope() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: [:])
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="gatehouse""#)
            #expect(response.json?["error"]?["type"] == "authentication_error")
            #expect(response.json?["error"]?["code"] == "invalid_api_key")
            #expect(response.json?["error"]?["param"] == .null)
        }
    }

    @Test(arguments: [
        "Bearer sk-wrong", "Bearer ", "Basic c2stdGVzdA==", "Bearer \(TestKeys.master)x", "Bearer \(TestKeys.master.dropLast())",
        "Bearer ' OR 1=1 --", "Bearer \(String(repeating: "A", count: 8000))",
    ])
    func wrongCredentialsAre401(authorization: String) async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: [.authorization: authorization])
            #expect(response.status == .unauthorized)
            #expect(response.json?["error"]?["type"] == "authentication_error")
            #expect(!response.text.contains(TestKeys.master))
        }
    }

    @Test(arguments: ["authorization", "x-api-key", "api-key", "x-litellm-api-key"])
    func everyKeyHeaderIsAccepted(header: String) async throws {
        try await withGatehouse(config) { client, _ in
            let value = header == "authorization" ? "Bearer \(TestKeys.master)" : TestKeys.master
            let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: [HTTPField.Name(header)!: value])
            #expect(response.status == .ok)
        }
    }

    /// The scheme's name in any case, and spaces around the token, as RFC 9110 allows.
    @Test(arguments: ["Bearer", "bearer", "BEARER", "bEaReR"], ["", "  ", "\t"])
    func theBearerSchemeIsReadInAnyCase(scheme: String, spaces: String) async throws {
        try await withGatehouse(config) { client, _ in
            let value = scheme + " " + spaces + TestKeys.master + spaces
            let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: [.authorization: value])
            #expect(response.status == .ok)
            for wrong in ["\(scheme)\(TestKeys.master)", "\(scheme)\t\(TestKeys.master)", "Bearerx \(TestKeys.master)", "Beare"] {
                let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: [.authorization: wrong])
                #expect(refused.status == .unauthorized)
                #expect(refused.json?["error"]?["message"] == "Authorization header must use the Bearer scheme.")
            }
        }
    }

    @Test func twoDifferentCredentialsAreRefusedEvenIfOneIsValid() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post(
                "/v1/chat/completions", chat("mock-gpt"),
                headers: [.authorization: "Bearer \(TestKeys.master)", HTTPField.Name("x-api-key")!: "sk-other"]
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test func aKeyInTheURLIsRefusedUnlessTheOperatorAllowsIt() async throws {
        try await withGatehouse(config) { client, _ in
            for query in ["key", "api_key", "api-key"] {
                let alone = try await client.post("/v1/chat/completions?\(query)=\(TestKeys.master)", chat("mock-gpt"), headers: [:])
                #expect(alone.status == .unauthorized)
                #expect(alone.json?["error"]?["message"] == "API keys in the URL are refused; send the key in the Authorization header.")
                #expect(!alone.text.contains(TestKeys.master))
            }
            // Refused even beside a valid header: the key has already leaked into the URL.
            let besideHeader = try await client.post("/v1/chat/completions?key=\(TestKeys.master)", chat("mock-gpt"))
            #expect(besideHeader.status == .unauthorized)
            let models = try await client.get("/v1/models?key=x")
            #expect(models.status == .unauthorized)
            // Management routes: `key` names the key to look up.
            let lookup = try await client.get("/key/info?key=sk-nothing-of-the-kind")
            #expect(lookup.status == .notFound)
        }
        var allowing = config
        allowing.server.identity.allowKeyInQuery = true
        try await withGatehouse(allowing) { client, _ in
            let alone = try await client.post("/v1/chat/completions?key=\(TestKeys.master)", chat("mock-gpt"), headers: [:])
            #expect(alone.status == .ok)
            let conflicting = try await client.post("/v1/chat/completions?key=sk-other", chat("mock-gpt"))
            #expect(conflicting.status == .unauthorized)
            let same = try await client.post("/v1/chat/completions?key=\(TestKeys.master)", chat("mock-gpt"))
            #expect(same.status == .ok)
        }
    }

    @Test func messagesRouteAnswersInTheAnthropicEnvelope() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/messages", ["model": "mock-gpt", "max_tokens": 5, "messages": []], headers: [:])
            #expect(response.status == .unauthorized)
            #expect(response.json?["type"] == "error")
            #expect(response.json?["error"]?["type"] == "authentication_error")
        }
    }

    @Test func clientCredentialIsNeverForwardedAndNoUpstreamCallWithoutAuth() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("hi")) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)])) { client, _ in
                let denied = try await client.post("/v1/chat/completions", chat("gpt"), headers: [.authorization: "Bearer nope"])
                #expect(denied.status == .unauthorized)
                #expect(upstream.requests.isEmpty)

                let response = try await client.post(
                    "/v1/chat/completions", chat("gpt"),
                    headers: [.authorization: "Bearer \(TestKeys.master)", HTTPField.Name("api-key")!: TestKeys.master]
                )
                #expect(response.status == .ok)
                let received = try #require(upstream.requests.first)
                #expect(received.header("authorization") == "Bearer \(TestKeys.upstream)")
                #expect(received.header("api-key") == nil)
                let everything = received.headers.map { "\($0.name): \($0.value)" }.joined() + JSONCoding.encodeString(received.body ?? .null)
                #expect(!everything.contains(TestKeys.master))
            }
        }
    }

    @Test func healthNeedsNoCredential() async throws {
        try await withGatehouse(config) { client, _ in
            let live = try await client.get("/health/liveliness", headers: [:])
            let ready = try await client.get("/health/readiness", headers: [:])
            #expect(live.status == .ok)
            #expect(ready.status == .ok)
        }
    }
}
