import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

@Suite("Bad input and bounds")
struct RequestBoundsTests {
    var config: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        config.server.listener.maxRequestBodyBytes = 64 * 1024
        config.server.listener.maxHeaderBytes = 4096
        config.server.listener.maxHeaderCount = 20
        return config
    }

    @Test func oversizedBodyIs413() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("mock-gpt", String(repeating: "x", count: 100_000)))
            #expect(response.status == .contentTooLarge)
            #expect(response.json?["error"]?["code"] == "request_too_large")
        }
    }

    @Test func oversizedOrTooManyHeadersAre431() async throws {
        try await withGatehouse(config) { client, _ in
            var big: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]
            big[HTTPField.Name("x-junk")!] = String(repeating: "j", count: 8000)
            let response = try await client.execute(uri: "/v1/models", method: .get, headers: big) { $0 }
            #expect(response.status.code == 431)
            #expect(response.json?["error"]?["code"] == "request_header_fields_too_large")
        }
        try await withGatehouse(config) { client, _ in
            var many: HTTPFields = [.authorization: "Bearer \(TestKeys.master)"]
            for index in 0..<40 { many.append(HTTPField(name: HTTPField.Name("x-h\(index)")!, value: "v")) }
            let response = try await client.execute(uri: "/v1/models", method: .get, headers: many) { $0 }
            #expect(response.status.code == 431)
        }
    }

    @Test(arguments: ["api_base", "base_url", "api_key", "extra_headers"])
    func fieldsThatWouldRedirectTheUpstreamAre400(field: String) async throws {
        try await withGatehouse(config) { client, _ in
            var body = chat("mock-gpt")
            body[field] = "http://attacker.example"
            let response = try await client.post("/v1/chat/completions", body)
            #expect(response.status == .badRequest)
            #expect(response.json?["error"]?["param"] == .string(field))
        }
    }

    @Test func malformedBodiesAre400WithAClearMessage() async throws {
        try await withGatehouse(config) { client, _ in
            let garbage = try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [.authorization: "Bearer \(TestKeys.master)"],
                body: ByteBuffer(string: "{not json")
            ) { $0 }
            #expect(garbage.status == .badRequest)
            #expect(garbage.json?["error"]?["type"] == "invalid_request_error")

            let deep = try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [.authorization: "Bearer \(TestKeys.master)"],
                body: ByteBuffer(string: String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
            ) { $0 }
            #expect(deep.status == .badRequest)

            let noModel = try await client.post("/v1/chat/completions", ["messages": []])
            #expect(noModel.status == .badRequest)
            #expect(noModel.json?["error"]?["param"] == "model")

            var badStream = chat("mock-gpt")
            badStream["stream"] = "yes"
            let stream = try await client.post("/v1/chat/completions", badStream)
            #expect(stream.status == .badRequest)
            #expect(stream.json?["error"]?["param"] == "stream")

            let array = try await client.post("/v1/chat/completions", [1, 2])
            #expect(array.status == .badRequest)
        }
    }

    @Test func unknownModelIs404ModelNotFound() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("gpt-nope"))
            #expect(response.status == .notFound)
            #expect(response.json?["error"]?["code"] == "model_not_found")
            #expect(response.json?["error"]?["param"] == "model")
        }
    }

    @Test func unknownRouteIs404Envelope() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await client.get("/v1/nothing-here")
            #expect(response.status == .notFound)
            #expect(response.json?["error"] != nil)
        }
    }

    @Test func modelsAreListedAndLookedUp() async throws {
        var config = config
        config.models.append(Deployment.mock(modelName: "openai/gpt-4o"))
        try await withGatehouse(config) { client, _ in
            for path in ["/v1/models", "/models"] {
                let list = try await client.get(path)
                #expect(list.json?["object"] == "list")
                #expect(list.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["mock-gpt", "openai/gpt-4o"])
            }
            let one = try await client.get("/v1/models/openai/gpt-4o")
            #expect(one.json?["id"] == "openai/gpt-4o")
            #expect(one.json?["object"] == "model")
            let missing = try await client.get("/v1/models/nope")
            #expect(missing.status == .notFound)
        }
    }
}

@Suite("Slow clients")
struct SlowClientTests {
    /// How a slow client begins: its body's deadline runs from the head, however the body comes.
    enum Start: String, CaseIterable {
        /// The head and the body's first byte in one write, then a byte every 100 ms.
        case trickling
        /// The head alone, then nothing (the deadline is armed with no body byte in sight).
        case headAlone
        /// A body declared past the limit (refused at once), whose rest trickles in: the rest is
        /// read and dropped, but not for longer than the deadline.
        case refusedAndTrickling
    }

    @Test(arguments: Start.allCases)
    func aClientTricklingItsBodyIsDisconnectedAtTheDeadline(_ start: Start) async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.listener.clientBodyTimeout = 0.5
        config.server.listener.maxRequestBodyBytes = 1000
        try await withGatehouse(config) { client, port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            let length = start == .refusedAndTrickling ? 5000 : 500
            let head =
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestKeys.master)\r\nContent-Length: \(length)\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: start == .headAlone ? head : head + "{"))
            let started = ContinuousClock.now
            let trickle = Task {
                guard start != .headAlone else { return }
                for _ in 0..<50 {
                    try await Task.sleep(for: .milliseconds(100))
                    try await channel.writeAndFlush(ByteBuffer(string: " "))
                }
            }
            // Others are served meanwhile.
            let other = try await client.post("/v1/chat/completions", chat("mock-gpt"))
            #expect(other.status == .ok)
            try await channel.closeFuture.get()
            trickle.cancel()
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(3))
        }
    }
}
