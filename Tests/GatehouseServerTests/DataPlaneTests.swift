import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing
import X509

@testable import GatehouseServer

/// The model routes are answered below Hummingbird's server (`DataPlaneHandler`), everything
/// else by Hummingbird, on the same connections: these tests speak raw HTTP/1.1 to see what a
/// connection carries.
@Suite("Model routes below the router")
struct DataPlaneTests {
    static let chatBody = #"{"model":"mock-gpt","messages":[{"role":"user","content":"Hi"}]}"#
    static let streamBody = #"{"model":"mock-gpt","messages":[{"role":"user","content":"Hi"}],"stream":true}"#

    @Test func aModelRouteAndAManagementRouteShareOneKeepAliveConnection() async throws {
        try await withGatehouse(.embeddedDefault) { _, port in
            let connection = try await RawConnection.open(port: port)
            let requests = [
                RawConnection.post("/v1/chat/completions", Self.chatBody), RawConnection.get("/key/list"),
                RawConnection.post("/chat/completions", Self.streamBody), RawConnection.post("/key/generate", "{}"),
                RawConnection.post("/v1/chat/completions", Self.chatBody),
            ]
            for (index, request) in requests.enumerated() {
                try await connection.send(request)
                let answers = try await connection.answers(index + 1)
                try #require(answers.count == index + 1, "answer \(index) arrived on the same connection")
            }
            let answers = try await connection.answers(requests.count)
            Self.expectInOrder(answers)
            #expect(!connection.isClosed)
            await connection.close()
        }
    }

    /// A model route in absolute form is not taken below the router: Hummingbird's server reads
    /// it and answers it as it would in origin form, on the same connection as the data plane's.
    @Test func aModelRouteInAbsoluteFormIsAnsweredByHummingbird() async throws {
        try await withGatehouse(.embeddedDefault) { _, port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(
                RawConnection.post("http://127.0.0.1:\(port)/v1/chat/completions", Self.chatBody)
                    + RawConnection.post("/v1/chat/completions", Self.chatBody))
            let answers = try await connection.answers(2)
            try #require(answers.count == 2)
            #expect(answers.allSatisfy { $0.status == 200 && $0.body.contains("chat.completion") }, "\(answers.map(\.body))")
            await connection.close()
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhicheverSideAnswersThem() async throws {
        try await withGatehouse(.embeddedDefault) { _, port in
            let connection = try await RawConnection.open(port: port)
            // Five requests in one write: each waits, unread, until the one before is answered.
            try await connection.send(
                RawConnection.post("/v1/chat/completions", Self.chatBody) + RawConnection.get("/key/list")
                    + RawConnection.post("/chat/completions", Self.streamBody) + RawConnection.post("/key/generate", "{}")
                    + RawConnection.post("/v1/chat/completions", Self.chatBody))
            let answers = try await connection.answers(5)
            try #require(answers.count == 5)
            Self.expectInOrder(answers)
            // Twenty model requests back to back, then one more on the same connection.
            try await connection.send(String(repeating: RawConnection.post("/v1/embeddings", #"{"model":"mock-gpt","input":"a"}"#), count: 20))
            let more = try await connection.answers(25)
            #expect(more.count == 25 && more.dropFirst(5).allSatisfy { $0.status == 200 && $0.body.contains("embedding") })
            await connection.close()
        }
    }

    /// The answers to: chat, key list, streamed chat, key generation, chat.
    static func expectInOrder(_ answers: [RawAnswer]) {
        guard answers.count == 5 else { return }
        #expect(answers[0].status == 200 && answers[0].body.contains("\"chat.completion\""))
        #expect(answers[1].status == 200 && answers[1].body.contains("\"keys\""))
        #expect(answers[2].status == 200 && answers[2].chunked && answers[2].body.contains("data: [DONE]"))
        #expect(answers[2].header("content-type") == "text/event-stream")
        #expect(answers[3].status == 200 && answers[3].body.contains("\"key\""))
        #expect(answers[4].status == 200 && answers[4].body.contains("\"chat.completion\""))
        #expect(answers.allSatisfy { $0.header("date") != nil })
        // Each field once: the date added by the data plane, the length set by the route.
        for answer in answers {
            for name in ["date", "content-length", "content-type"] {
                #expect(answer.headers.filter { $0.0.lowercased() == name }.count <= 1, "\(name) twice")
            }
        }
        #expect(answers[0].header("content-length") == String(answers[0].body.utf8.count))
        #expect(answers[2].header("content-length") == nil)
    }

    @Test func overMutualTLSACertificateActsOnTheModelRouteOnTheConnectionThatBoundIt() async throws {
        let pki = try TestPKI.make()
        let spiffe = "spiffe://acme.test/ns/prod/sa/plane"
        let good = try pki.issue("good", commonName: "plane", names: [.uniformResourceIdentifier(spiffe)])
        var config = GatehouseConfig.embeddedDefault
        var tls = TLSSettings(certificateFile: pki.serverCertificateFile, keyFile: pki.serverKeyFile)
        tls.clientAuth = .required
        tls.clientCAFile = pki.caFile
        config.server.listener.tls = tls
        config.server.identity.clientCertificateIdentity = .sanURI
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.trustRoots = .file(pki.caFile)
        clientTLS.certificateVerification = .noHostnameVerification
        clientTLS.certificateChain = try NIOSSLCertificate.fromPEMFile(good.certificate).map { .certificate($0) }
        clientTLS.privateKey = .privateKey(try NIOSSLPrivateKey(file: good.key, format: .pem))
        let client = clientTLS
        try await withGatehouse(config) { _, port in
            let connection = try await RawConnection.open(port: port, tls: client)
            let noKey = [String]()
            // Not bound yet: the certificate alone is refused on the model route.
            try await connection.send(RawConnection.post("/v1/chat/completions", Self.chatBody, headers: noKey))
            var answers = try await connection.answers(1)
            #expect(answers.first?.status == 403)
            try await connection.send(RawConnection.post("/key/generate", #"{"models":["mock-gpt"]}"#))
            answers = try await connection.answers(2)
            let keyID = try #require(answers.count == 2 ? (try? JSONCoding.decode(Array(answers[1].body.utf8)))?["token"]?.stringValue : nil)
            // Bound through management, then used on the model route, pipelined on the same connection.
            try await connection.send(
                RawConnection.post("/certificate/bind", #"{"identity":"san_uri:\#(spiffe)","key_id":"\#(keyID)"}"#)
                    + RawConnection.post("/v1/chat/completions", Self.chatBody, headers: noKey) + RawConnection.get("/key/list"))
            answers = try await connection.answers(5)
            try #require(answers.count == 5)
            #expect(answers[2].status == 200)
            #expect(answers[3].status == 200 && answers[3].body.contains("\"chat.completion\""))
            #expect(answers[4].status == 200 && answers[4].body.contains("\"keys\""))
            #expect(!connection.isClosed)
            await connection.close()
        }
    }

    @Test func bodiesPastTheLimitAre413AndTheConnectionCloses() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.listener.maxRequestBodyBytes = 2048
        try await withGatehouse(config) { _, port in
            // Announced by Content-Length: answered before the body is read.
            let announced = try await RawConnection.open(port: port)
            try await announced.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer \(TestKeys.master)\r\nContent-Length: 100000\r\n\r\n{")
            let refused = try await announced.answers(1)
            #expect(refused.first?.status == 413)
            #expect(refused.first?.body.contains("request_too_large") == true)
            #expect(refused.first?.header("connection") == "close")
            #expect(try await announced.closedByServer(within: .seconds(5)))

            // Sent whole before the answer is read, as many clients do, well past the limit and over
            // a second: the rest is read and dropped, so the client, still writing when the refusal
            // comes, is not cut off mid-write and then reads it; then the connection closes.
            let whole = try await RawConnection.open(port: port)
            let request = RawConnection.post("/v1/chat/completions", "{\"pad\": \"" + String(repeating: "p", count: 1_600_000) + "\"}")
            var rest = request[...]
            while !rest.isEmpty {
                try await whole.send(String(rest.prefix(64 * 1024)))
                rest = rest.dropFirst(64 * 1024)
                try await Task.sleep(for: .milliseconds(50))
            }
            let wholeAnswer = try await whole.answers(1)
            #expect(wholeAnswer.first?.status == 413 && wholeAnswer.first?.body.contains("request_too_large") == true)
            #expect(try await whole.closedByServer(within: .seconds(5)))

            // Chunked: refused once the chunks pass the limit.
            let chunked = try await RawConnection.open(port: port)
            let chunk = String(repeating: "x", count: 1000)
            try await chunked.send(
                "POST /v1/messages HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer \(TestKeys.master)\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + String(repeating: "3e8\r\n\(chunk)\r\n", count: 3))
            let chunkedAnswer = try await chunked.answers(1)
            #expect(chunkedAnswer.first?.status == 413)
            // `/v1/messages` answers in Anthropic's envelope.
            #expect(chunkedAnswer.first?.body.contains("\"type\":\"error\"") == true)
            #expect(try await chunked.closedByServer(within: .seconds(5)))

            // Within the limit, chunked, and asking to close: answered, then closed.
            let closing = try await RawConnection.open(port: port)
            let body = Self.chatBody
            try await closing.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer \(TestKeys.master)\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n" + String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n")
            let answered = try await closing.answers(1)
            #expect(answered.first?.status == 200)
            #expect(answered.first?.header("connection") == "close")
            #expect(try await closing.closedByServer(within: .seconds(5)))

            // Past the limit without a credential: 401 first, as on every route.
            let stranger = try await RawConnection.open(port: port)
            try await stranger.send("POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 100000\r\n\r\n{")
            #expect(try await stranger.answers(1).first?.status == 401)
            await stranger.close()
        }
    }

    @Test func aClientLeavingMidBodyOrMidAnswerSendsNothingOnAndCancelsTheUpstream() async throws {
        let upstreamEnded = Mutex<ContinuousClock.Instant?>(nil)
        let upstream = RecordingUpstream { _, _ in
            // A slow complete answer: spaces (valid before JSON) for five seconds, then the completion.
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init { writer in
                    do {
                        for _ in 0..<100 {
                            try await writer.write(ByteBuffer(string: " "))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try await writer.write(ByteBuffer(bytes: JSONCoding.encode(RecordingUpstream.chatCompletion("late"))))
                        try await writer.finish(nil)
                    } catch {
                        upstreamEnded.withLock { $0 = .now }
                        throw error
                    }
                })
        }
        try await upstream.run { upstreamPort in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: upstreamPort)])) { client, port in
                let body = #"{"model":"gpt","messages":[{"role":"user","content":"Hi"}]}"#
                // Half a body, then gone: nothing reaches the upstream.
                let halfway = try await RawConnection.open(port: port)
                try await halfway.send(
                    "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer \(TestKeys.master)\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body.prefix(20))
                try await Task.sleep(for: .milliseconds(200))
                await halfway.close()
                try await Task.sleep(for: .milliseconds(200))
                #expect(upstream.requests.isEmpty)

                // Gone while the upstream is still answering: its request is ended, not left to run.
                let waiting = try await RawConnection.open(port: port)
                try await waiting.send(RawConnection.post("/v1/chat/completions", body))
                _ = await eventually { upstream.requests.count == 1 }
                try await Task.sleep(for: .milliseconds(300))
                let left = ContinuousClock.now
                await waiting.close()
                _ = await eventually { upstreamEnded.withLock { $0 } != nil }
                let ended = try #require(upstreamEnded.withLock { $0 })
                #expect(ended - left < .seconds(3))
                // The gateway goes on serving.
                #expect(try await client.get("/v1/models").status == .ok)
            }
        }
    }

    /// A client that stops reading a stream holds the upstream back: chunks are taken without
    /// waiting only while the connection takes writes, so what Gatehouse holds stays bounded;
    /// once the client reads again, the whole stream arrives.
    ///
    /// What is held also counts the kernel's socket buffers, which grow as the kernel sees fit:
    /// up to `tcp_rmem`'s and `tcp_wmem`'s most on each side (here 32 MiB and 4 MiB, over 70 MB in
    /// all). The client's receive buffer is fixed, and the stream is twice as long as what the
    /// rest could hold, so that a stream held back is told apart from one that was not.
    @Test func aClientThatStopsReadingAStreamHoldsTheUpstreamBack() async throws {
        let sent = Mutex(0)
        let eventCount = 20_000
        let event = RecordingUpstream.openAIChunks([String(repeating: "x", count: 8000)], usage: false)[0]
        let upstream = RecordingUpstream { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: .init { writer in
                    // 160 MB if nothing held it back.
                    for _ in 0..<eventCount {
                        try await writer.write(ByteBuffer(string: event))
                        sent.withLock { $0 += 1 }
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                })
        }
        try await upstream.run { upstreamPort in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: upstreamPort)])) { _, port in
                let received = ByteCounter()
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.autoRead, value: false)
                    .channelOption(.socketOption(.so_rcvbuf), value: 128 * 1024)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) }
                    }
                    .connect(host: "127.0.0.1", port: port).get()
                let body = #"{"model":"gpt","messages":[{"role":"user","content":"Hi"}],"stream":true}"#
                try await channel.writeAndFlush(ByteBuffer(string: RawConnection.post("/v1/chat/completions", body)))
                _ = await eventually { sent.withLock { $0 } > 50 }
                // Socket buffers fill, then the upstream's writes wait.
                var held = sent.withLock { $0 }
                for _ in 0..<40 {
                    try await Task.sleep(for: .milliseconds(250))
                    let now = sent.withLock { $0 }
                    if now == held { break }
                    held = now
                }
                try await Task.sleep(for: .seconds(1))
                #expect(sent.withLock { $0 } == held, "the upstream went on while the client read nothing")
                #expect(held < eventCount / 2)
                // Reading again, the client gets it all.
                try await channel.setOption(.autoRead, value: true).get()
                channel.read()
                #expect(await eventually(timeout: .seconds(60)) { received.endsWithDone })
                #expect(sent.withLock { $0 } == eventCount)
                #expect(received.bytes > eventCount * 8000)
                try await channel.close()
            }
        }
    }

    /// Answers past what is copied into the head's buffer (`HTTP1Framing.copiedBodyBytes`) leave in
    /// several writes: a complete one of 200 KB and a stream with a 40 KB event arrive whole, framed
    /// by their length and by chunks.
    @Test func largeAnswersArriveWhole() async throws {
        let text = String(repeating: "0123456789", count: 20_000)
        let event = String(repeating: "y", count: 40_000)
        let upstream = RecordingUpstream { request, _ in
            request.body?["stream"]?.boolValue == true
                ? RecordingUpstream.stream(RecordingUpstream.openAIChunks([event, "z"], usage: true))
                : RecordingUpstream.json(RecordingUpstream.chatCompletion(text))
        }
        try await upstream.run { upstreamPort in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: upstreamPort)])) { _, port in
                let connection = try await RawConnection.open(port: port)
                try await connection.send(
                    RawConnection.post("/v1/chat/completions", #"{"model":"gpt","messages":[{"role":"user","content":"Hi"}]}"#)
                        + RawConnection.post("/v1/chat/completions", #"{"model":"gpt","messages":[{"role":"user","content":"Hi"}],"stream":true}"#))
                let answers = try await connection.answers(2)
                try #require(answers.count == 2)
                #expect(answers[0].status == 200 && answers[0].body.contains(text))
                #expect(answers[0].header("content-length") == String(answers[0].body.utf8.count))
                #expect(answers[1].status == 200 && answers[1].chunked && answers[1].header("content-length") == nil)
                #expect(answers[1].body.contains(event) && answers[1].body.hasSuffix("data: [DONE]\n\n"))
                #expect(!connection.isClosed)
                await connection.close()
            }
        }
    }

    @Test func anIdleConnectionIsClosedButOneWaitingOnAnAnswerIsNot() async throws {
        let upstream = RecordingUpstream { _, _ in
            try await Task.sleep(for: .milliseconds(2500))
            return RecordingUpstream.json(RecordingUpstream.chatCompletion("slow"))
        }
        try await upstream.run { upstreamPort in
            var config = GatehouseConfig(models: [deployment("gpt", port: upstreamPort)])
            config.server.listener.clientIdleTimeout = 1
            try await withGatehouse(config) { _, port in
                // Waiting 2.5 s on its answer, past the 1 s idle timeout: answered.
                let waiting = try await RawConnection.open(port: port)
                try await waiting.send(RawConnection.post("/v1/chat/completions", #"{"model":"gpt","messages":[{"role":"user","content":"Hi"}]}"#))
                let answers = try await waiting.answers(1, within: .seconds(10))
                #expect(answers.first?.status == 200)
                // Then idle: closed after about a second.
                let idleSince = ContinuousClock.now
                #expect(try await waiting.closedByServer(within: .seconds(5)))
                let idle = ContinuousClock.now - idleSince
                #expect(idle >= .milliseconds(700) && idle < .seconds(4))
            }
        }
    }
}

@Suite("The data plane's routes")
struct DataPlaneRoutesTests {
    @Test func theModelRoutesReadWholeAreTakenWithTheirBoundAndNothingElse() {
        func route(_ method: HTTPMethod, _ path: String) -> DataPlaneRoutes.Route? {
            DataPlaneRoutes.match(method, path)?.route
        }
        for path in [
            "/v1/chat/completions", "/chat/completions", "/v1/completions", "/v1/embeddings", "/embeddings", "/v1/messages", "/messages",
            "/v1/moderations", "/v1/images/generations", "/audio/speech", "/v1/chat/completions?key=x", "/openai/deployments/gpt-4o/chat/completions",
            "/openai/deployments/d/embeddings?api-version=2024-06-01", "/v1/responses", "/responses", "/v1/messages/count_tokens",
            "/messages/count_tokens",
        ] {
            #expect(route(.POST, path) == .json, "\(path)")
        }
        for path in ["/v1/audio/transcriptions", "/audio/transcriptions", "/openai/deployments/whisper/audio/transcriptions?api-version=1"] {
            #expect(route(.POST, path) == .upload, "\(path)")
        }
        for (method, path) in [
            (HTTPMethod.GET, "/v1/chat/completions"), (.GET, "/v1/audio/transcriptions"), (.GET, "/v1/responses/resp_1"),
            (.PUT, "/v1/chat/completions"), (.POST, "/v1/responses/resp_1/cancel"), (.POST, "/key/generate"),
            (.POST, "/openai/deployments//chat/completions"), (.POST, "/openai/deployments/d/messages"), (.POST, "/v1/chat/completions/"),
            (.POST, "/v2/chat/completions"), (.POST, "/openai/deployments/d/responses"), (.POST, "http://gatehouse/v1/chat/completions"),
        ] {
            #expect(route(method, path) == nil, "\(method) \(path)")
        }
    }

    /// Every route with a fixed path has its own place (its answer is called without the router's
    /// lookup); Azure's, whose path names a deployment, has none and goes through the router.
    @Test func fixedPathsHaveAPlaceEachAndAzuresNone() {
        func match(_ path: String) -> DataPlaneRoutes.Match? {
            DataPlaneRoutes.match(.POST, path)
        }
        let places = DataPlaneRoutes.fixedPaths.map { match($0.path)?.fixed }
        #expect(places == Array(DataPlaneRoutes.fixedPaths.indices).map { Optional($0) })
        #expect(DataPlaneRoutes.fixedPaths.allSatisfy { match($0.path)?.route == $0.route && DataPlaneRoutes.isFixed($0.path) })
        #expect(match("/v1/chat/completions?key=x")?.fixed == places[0])
        #expect(match("/openai/deployments/d/chat/completions") == DataPlaneRoutes.Match(route: .json, fixed: nil))
        #expect(!DataPlaneRoutes.isFixed("/openai/deployments/{deployment}/chat/completions") && !DataPlaneRoutes.isFixed("/v1/models"))
    }

    @Test func connectionCloseIsFoundAmongTheHeadersValues() {
        func asks(_ values: [String]) -> Bool {
            var head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/chat/completions")
            for value in values { head.headerFields.append(HTTPField(name: .connection, value: value)) }
            return DataPlaneHandler.asksToClose(head)
        }
        #expect(asks(["close"]) && asks(["keep-alive, Close"]) && asks(["keep-alive", " close "]))
        #expect(!asks([]) && !asks(["keep-alive"]) && !asks(["closed, upgrade"]))
    }
}

/// Counts what a connection receives, and whether it has seen a stream's `[DONE]`.
private final class ByteCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state = Mutex((bytes: 0, tail: ""))

    var bytes: Int { state.withLock { $0.bytes } }
    var endsWithDone: Bool { state.withLock { $0.tail.contains("data: [DONE]") } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.withLock { state in
            state.bytes += buffer.readableBytes
            // Only the end matters: the buffer's last bytes, not all of it made a string.
            state.tail = String((state.tail + String(decoding: buffer.readableBytesView.suffix(64), as: UTF8.self)).suffix(64))
        }
    }
}
