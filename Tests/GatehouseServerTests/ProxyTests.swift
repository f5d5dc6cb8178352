import AsyncHTTPClient
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Forwarding to providers")
struct ProxyTests {
    @Test(arguments: UpstreamSettings.Client.allCases)
    func chatIsForwardedWithTheUpstreamModelAndAnsweredVerbatim(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("Bonjour", prompt: 9, completion: 1)) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)]), client: client) { client, _ in
                var body = chat("gpt", "Say hi")
                body["temperature"] = 0.2
                let response = try await client.post("/v1/chat/completions", body)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "Bonjour")
                #expect(response.json?["usage"]?["prompt_tokens"] == 9)
                let received = try #require(upstream.requests.first)
                #expect(received.path == "/v1/chat/completions")
                #expect(received.body?["model"] == "up-gpt")
                #expect(received.body?["temperature"] == 0.2)
                #expect(received.body?["messages"] == body["messages"])
            }
        }
    }

    /// Integers a `Double` cannot hold (an int64 `seed`, a user id) reach the upstream digit for digit.
    @Test func largeIntegersAreForwardedExactly() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok", prompt: 1, completion: 1)) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)])) { client, _ in
                let text =
                    #"{"model":"gpt","messages":[{"role":"user","content":"hi"}],"seed":9007199254740993,"#
                    + #""metadata":{"account":-9223372036854775807,"huge":123456789012345678901234567890}}"#
                let response = try await client.execute(
                    uri: "/v1/chat/completions", method: .post,
                    headers: [.authorization: "Bearer \(TestKeys.master)", .contentType: "application/json"], body: ByteBuffer(string: text)
                ) { $0 }
                #expect(response.status == .ok)
                let received = try #require(upstream.requests.first).text
                #expect(received.contains(#""seed":9007199254740993"#))
                #expect(received.contains(#""account":-9223372036854775807"#))
                #expect(received.contains(#""huge":123456789012345678901234567890"#))
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func streamsAskUpstreamForUsageAndHideItFromClientsThatDidNotAsk(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.stream(RecordingUpstream.openAIChunks(["Hel", "lo"], usage: true)) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)]), client: client) { client, _ in
                let plain = try await client.post("/v1/chat/completions", chat("gpt", stream: true))
                #expect(plain.headers[.contentType] == "text/event-stream")
                #expect(upstream.requests[0].body?["stream_options"]?["include_usage"] == true)
                let plainEvents = plain.events
                #expect(plainEvents.last?.data == "[DONE]")
                #expect(!plainEvents.contains { $0.data.contains("prompt_tokens") })
                let text = plainEvents.dropLast().compactMap { event -> String? in
                    let chunk = try? JSONCoding.decode(Array(event.data.utf8))
                    return chunk?["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue
                }.joined()
                #expect(text == "Hello")

                var asking = chat("gpt", stream: true)
                asking["stream_options"] = ["include_usage": true]
                let withUsage = try await client.post("/v1/chat/completions", asking)
                #expect(withUsage.events.contains { $0.data.contains(#""prompt_tokens":3"#) })
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func streamChunksArriveAsTheyAreProducedNotBuffered(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in
            RecordingUpstream.stream(RecordingUpstream.openAIChunks(["a", "b", "c"], usage: false), delay: .milliseconds(300))
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)]), client: client) { _, gatehousePort in
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatehousePort)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "authorization", value: "Bearer \(TestKeys.master)")
                request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(chat("gpt", stream: true))))
                let start = ContinuousClock.now
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                var arrivals: [Duration] = []
                for try await _ in response.body { arrivals.append(ContinuousClock.now - start) }
                // The upstream spreads five events over 1.2 s. Passed through, they arrive spread out too;
                // buffered, they would arrive together at the end. (Measured between arrivals, not from
                // the start, so a slow start on a busy machine does not decide the outcome.)
                #expect(arrivals.count >= 3)
                #expect(arrivals.last! - arrivals.first! > .milliseconds(800))
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func anthropicDeploymentsGetTranslatedChatCompletions(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { request, _ in
            if request.body?["stream"] == true {
                return RecordingUpstream.stream([
                    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\",\"usage\":{\"input_tokens\":8,\"output_tokens\":1}}}\n\n",
                    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
                    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Salut\"}}\n\n",
                    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":3}}\n\n",
                    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                ])
            }
            return RecordingUpstream.json([
                "id": "msg_1", "type": "message", "role": "assistant", "content": [["type": "text", "text": "Salut"]],
                "stop_reason": "end_turn", "usage": ["input_tokens": 8, "output_tokens": 3],
            ])
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("claude", provider: .anthropic, port: port)]), client: client) { client, _ in
                var body = chat("claude")
                body["messages"] = [["role": "system", "content": "Be French."], ["role": "user", "content": "Hi"]]
                let response = try await client.post("/v1/chat/completions", body)
                #expect(response.status == .ok)
                #expect(response.json?["object"] == "chat.completion")
                #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "Salut")
                #expect(response.json?["usage"]?["total_tokens"] == 11)
                let received = try #require(upstream.requests.first)
                #expect(received.path == "/v1/messages")
                #expect(received.header("x-api-key") == TestKeys.upstream)
                #expect(received.header("anthropic-version") == "2023-06-01")
                #expect(received.header("authorization") == nil)
                #expect(received.body?["system"] == "Be French.")
                #expect(received.body?["model"] == "up-claude")
                #expect(received.body?["max_tokens"] != nil)

                body["stream"] = true
                let streamed = try await client.post("/v1/chat/completions", body)
                let chunks = streamed.events.dropLast().compactMap { try? JSONCoding.decode(Array($0.data.utf8)) }
                #expect(streamed.events.last?.data == "[DONE]")
                #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["delta"]?["content"] == "Salut" })
                #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"] == "length" })
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func messagesPassThroughNativelyToAnthropic(client: UpstreamSettings.Client) async throws {
        let reply: JSONValue = [
            "id": "msg_1", "type": "message", "role": "assistant", "content": [["type": "text", "text": "native"]],
            "stop_reason": "end_turn", "usage": ["input_tokens": 1, "output_tokens": 1],
        ]
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(reply) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("claude", provider: .anthropic, port: port)]), client: client) { client, _ in
                let request: JSONValue = ["model": "claude", "max_tokens": 10, "system": "s", "messages": [["role": "user", "content": "x"]]]
                let response = try await client.post("/v1/messages", request, headers: [HTTPField.Name("x-api-key")!: TestKeys.master])
                #expect(response.json == reply)
                var expected = request
                expected["model"] = "up-claude"
                #expect(upstream.requests.first?.body == expected)
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func azureDeploymentsUseTheDeploymentURLAndApiKeyHeader(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("az")) }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", provider: .azure, port: port)]), client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .ok)
                let received = try #require(upstream.requests.first)
                #expect(received.path == "/openai/deployments/up-gpt/chat/completions?api-version=2024-06-01")
                #expect(received.header("api-key") == TestKeys.upstream)
                #expect(received.header("authorization") == nil)
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func embeddingsAndCompletionsReachTheirUpstreamPaths(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { request, _ in
            RecordingUpstream.json(
                request.path.hasSuffix("embeddings")
                    ? [
                        "object": "list", "data": [["object": "embedding", "index": 0, "embedding": [0.1]]],
                        "usage": ["prompt_tokens": 1, "total_tokens": 1],
                    ]
                    : ["object": "text_completion", "choices": [["text": "x", "index": 0]], "usage": ["prompt_tokens": 1, "completion_tokens": 1]])
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("m", port: port)]), client: client) { client, _ in
                let embedding = try await client.post("/embeddings", ["model": "m", "input": "hello"])
                #expect(embedding.json?["data"]?.arrayValue?.count == 1)
                let completion = try await client.post("/v1/completions", ["model": "m", "prompt": "hello"])
                #expect(completion.json?["object"] == "text_completion")
                #expect(upstream.requests.map(\.path) == ["/v1/embeddings", "/v1/completions"])
            }
        }
    }

    @Test func mockProviderAnswersBothDialectsOffline() async throws {
        try await withGatehouse(GatehouseConfig.embeddedDefault) { client, _ in
            let completion = try await client.post("/v1/chat/completions", chat("mock-gpt", "ping"))
            #expect(completion.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "You said: ping")
            let message = try await client.post(
                "/v1/messages", ["model": "mock-gpt", "max_tokens": 9, "messages": [["role": "user", "content": "pong"]]])
            #expect(message.json?["content"] == [["type": "text", "text": "You said: pong"]])
            #expect(message.json?["type"] == "message")
            let stream = try await client.post(
                "/v1/messages", ["model": "mock-gpt", "max_tokens": 9, "stream": true, "messages": [["role": "user", "content": "x"]]])
            #expect(stream.events.first?.event == "message_start")
            #expect(stream.events.last?.event == "message_stop")
            let embedding = try await client.post("/v1/embeddings", ["model": "mock-gpt", "input": ["a", "b"]])
            #expect(embedding.json?["data"]?.arrayValue?.count == 2)
        }
    }
}

@Suite("Upstream connections")
struct UpstreamConnectionTests {
    @Test(arguments: UpstreamSettings.Client.allCases)
    func requestsSucceedAfterTheUpstreamClosedIdleConnections(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("again")) }
        // Long enough that a loaded machine still sends on a new connection before it idles out.
        try await upstream.run(idleTimeout: .milliseconds(300)) { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)]), client: client) { client, _ in
                for _ in 0..<3 {
                    let response = try await client.post("/v1/chat/completions", chat("gpt"))
                    #expect(response.status == .ok, "\(response.text)")
                    try await Task.sleep(for: .milliseconds(600))
                }
                #expect(upstream.requests.count == 3)
            }
        }
    }

    @Test func manyConcurrentRequestsShareTheNIOPool() async throws {
        let upstream = RecordingUpstream { request, _ in
            RecordingUpstream.json(RecordingUpstream.chatCompletion(ChatToMessages.text(of: request.body?["messages"]?.arrayValue?.last?["content"])))
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)])) { client, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<50 {
                        group.addTask {
                            let response = try await client.post("/v1/chat/completions", chat("gpt", "n\(index)"))
                            #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == .string("n\(index)"))
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(upstream.requests.count == 50)
            }
        }
    }
}

@Suite("HTTPS upstreams")
struct HTTPSUpstreamTests {
    @Test(arguments: UpstreamSettings.Client.allCases)
    func httpsUpstreamTrustedThroughTheConfiguredCA(client: UpstreamSettings.Client) async throws {
        let certificates = try TestCertificates.make()
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("over tls")) }
        try await upstream.run(tls: certificates) { port in
            var secure = deployment("gpt", port: port)
            secure.apiBase = "https://127.0.0.1:\(port)/v1"
            var config = GatehouseConfig(models: [secure])
            config.router.numRetries = 0
            config.server.upstream.caFile = certificates.caFile
            try await withGatehouse(config, client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .ok)
                #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "over tls")
                #expect(upstream.requests.first?.header("authorization") == "Bearer \(TestKeys.upstream)")
            }
            // Without the CA the certificate is untrusted: the call fails, nothing reaches the upstream.
            config.server.upstream.caFile = nil
            try await withGatehouse(config, client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .badGateway)
                #expect(upstream.requests.count == 1)
            }
        }
    }
}

@Suite("The upstream request's framing")
struct UpstreamFramingTests {
    /// A deployment's `extra_headers` cannot frame the request or name its host: the transport
    /// sets one `Content-Length` (the body's) and the upstream's `Host`, whatever they say; the
    /// other extra headers pass.
    @Test(arguments: UpstreamSettings.Client.allCases)
    func extraHeadersCannotFrameTheRequestOrNameItsHost(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("framed")) }
        try await upstream.run { port in
            var framed = deployment("gpt", port: port)
            framed.extraHeaders = [
                "Content-Length": "5", "transfer-encoding": "chunked", "Host": "elsewhere.example", "Connection": "close", "X-Team": "search",
            ]
            try await withGatehouse(GatehouseConfig(models: [framed]), client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .ok)
                let received = try #require(upstream.requests.first)
                #expect(received.headers[values: .contentLength] == [String(received.text.utf8.count)])
                #expect(received.header("transfer-encoding") == nil)
                #expect(received.authority == "127.0.0.1:\(port)")
                #expect(received.header("connection") == nil)
                #expect(received.header("x-team") == "search")
            }
        }
    }
}
