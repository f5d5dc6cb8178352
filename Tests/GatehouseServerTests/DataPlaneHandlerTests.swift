import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization
import Testing

@testable import GatehouseServer

/// `DataPlaneHandler` alone, on a test channel: what reaches the socket around a shutdown.
@Suite("The data plane's handler")
struct DataPlaneHandlerTests {
    /// A `POST` as NIO's HTTP/1.1 decoder reads it.
    static func post(_ target: String) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .POST, uri: target, headers: ["Host": "g"])
    }

    /// A shutdown arriving between an answer's last write and its (deferred) flush: the answer
    /// still reaches the client before Hummingbird closes the connection — with and without
    /// `Connection: close`.
    @Test(arguments: [false, true])
    func anAnswerIsOnTheSocketBeforeAShutdownClosesTheConnection(clientAsksToClose: Bool) async throws {
        let plane = DataPlane(
            responder: DataPlane.Answer { _, _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "answer"))) },
            maxBodyBytes: 1024, maxAudioBytes: 1024, bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        let wire = Wire()
        // As in the server: NIO's encoder between the socket and the handler, which writes below it.
        try await channel.pipeline.addHandlers([QuiesceOnEnd(wire: wire), HTTPResponseEncoder(), plane.handler(), CloseOnQuiesce(wire: wire)])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try #require(channel.isActive)
        var head = Self.post("/v1/chat/completions")
        if clientAsksToClose { head.headers.add(name: "Connection", value: "close") }
        try await channel.writeInbound(HTTPServerRequestPart.head(head))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        for _ in 0..<10 { await channel.testingEventLoop.run() }

        var sent = ""
        while let bytes = try await channel.readOutbound(as: ByteBuffer.self) { sent += String(buffer: bytes) }
        #expect(sent.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(sent.hasSuffix("\r\ncontent-length: 6\r\n\r\nanswer"), "the whole answer on the socket: \(sent)")
        #expect(!channel.isActive)
        #expect(wire.endFlushedAtClose == true, "the connection was closed with the answer's end not yet flushed")
    }

    /// With no HTTP/1.1 encoder to write below, an answer cannot be given: the connection closes
    /// rather than leave the client waiting, and nothing is written.
    @Test func withoutTheEncoderTheConnectionClosesRatherThanHang() async throws {
        let plane = DataPlane(
            responder: DataPlane.Answer { _, _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "answer"))) },
            maxBodyBytes: 1024, maxAudioBytes: 1024, bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(plane.handler())
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try #require(channel.isActive)
        try await channel.writeInbound(HTTPServerRequestPart.head(Self.post("/v1/chat/completions")))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        for _ in 0..<10 { await channel.testingEventLoop.run() }
        #expect(!channel.isActive)
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    /// A streamed answer takes its next chunk at once while the connection takes writes, even with
    /// none of them on the socket yet; once the connection is past its high-water mark, not before
    /// the chunk written is on the socket (a slow client holds the upstream back).
    @Test func aStreamWaitsForTheSocketOnlyWhileTheConnectionIsNotWritable() async throws {
        let taken = Taken()
        let plane = DataPlane(
            responder: DataPlane.Answer { _, _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/event-stream"],
                    body: ResponseBody { writer in
                        for chunk in ["one", "two", "three"] {
                            try await writer.write(ByteBuffer(string: chunk))
                            taken.add()
                        }
                        try await writer.finish(nil)
                    })
            },
            maxBodyBytes: 1024, maxAudioBytes: 1024, bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        let socket = SlowSocket()
        try await channel.pipeline.addHandlers([socket, HTTPResponseEncoder(), plane.handler()])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        let settle = { for _ in 0..<10 { await channel.testingEventLoop.run() } }

        channel.isWritable = false
        try await channel.writeInbound(HTTPServerRequestPart.head(Self.post("/v1/chat/completions")))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        await settle()
        #expect(taken.count == 0, "the first chunk is not on the socket: the next must wait")
        try await channel.testingEventLoop.executeInContext { socket.release(context: try channel.pipeline.syncOperations.context(handler: socket)) }
        await settle()
        #expect(taken.count == 1, "one chunk on the socket, one more taken")

        // Writable again: the rest is taken with nothing more on the socket.
        channel.isWritable = true
        try await channel.testingEventLoop.executeInContext { socket.release(context: try channel.pipeline.syncOperations.context(handler: socket)) }
        await settle()
        #expect(taken.count == 3)
        try await channel.testingEventLoop.executeInContext { socket.release(context: try channel.pipeline.syncOperations.context(handler: socket)) }
        await settle()
        var sent = ""
        while let bytes = try await channel.readOutbound(as: ByteBuffer.self) { sent += String(buffer: bytes) }
        #expect(sent.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(sent.hasSuffix("\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"), "the whole stream, in order: \(sent)")
        #expect(channel.isActive)
    }

    /// The answer gets the body the handler read, whole, to use as it is; a body refused past its
    /// bound is not handed over (the route answers 413 reading the request's own body).
    @Test func theAnswerGetsTheBodyReadWholeAndNoneOfARefusedOne() async throws {
        let bodies = Mutex<[String?]>([])
        let plane = DataPlane(
            responder: DataPlane.Answer { request, body, _ in
                bodies.withLock { $0.append(body.map { String(buffer: $0) }) }
                let status: HTTPResponse.Status
                do {
                    _ = try await request.body.collect(upTo: 1024)
                    status = .ok
                } catch {
                    status = .contentTooLarge
                }
                return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: "answer")))
            },
            maxBodyBytes: 16, maxAudioBytes: 16, bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandlers([HTTPResponseEncoder(), plane.handler()])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try await channel.writeInbound(HTTPServerRequestPart.head(Self.post("/v1/chat/completions")))
        try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "{\"a\":")))
        try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "1}")))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        for _ in 0..<10 { await channel.testingEventLoop.run() }
        #expect(bodies.withLock { $0 } == [#"{"a":1}"#])
        try await channel.writeInbound(HTTPServerRequestPart.head(Self.post("/v1/chat/completions")))
        try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: String(repeating: "x", count: 17))))
        for _ in 0..<10 { await channel.testingEventLoop.run() }
        #expect(bodies.withLock { $0 } == [#"{"a":1}"#, nil])
        var sent = ""
        while let bytes = try await channel.readOutbound(as: ByteBuffer.self) { sent += String(buffer: bytes) }
        #expect(sent.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(sent.contains("HTTP/1.1 413 "), "the refused body's request read its own body and failed: \(sent)")
    }

    /// The head the handler makes for its requests is the one NIO's codec makes for Hummingbird's.
    @Test func aRequestsHeadIsMadeAsNIOsCodecMakesIt() throws {
        var heads = [Self.post("/v1/chat/completions"), Self.post("/v1/embeddings?api-version=1&x=%20y")]
        heads.append(HTTPRequestHead(version: .http1_0, method: .POST, uri: "/chat/completions", headers: HTTPHeaders()))
        heads.append(
            HTTPRequestHead(
                version: .http1_1, method: .POST, uri: "//double/v1/chat/completions",
                headers: [
                    "Host": "gatehouse.example:8443", "Host": "second", "Cookie": "a=1; b=2", "Cookie": "c=3", "Authorization": "Bearer sk-1",
                    "X-Empty": "", "Content-Type": "application/json", "x-api-key": "k", "X-API-Key": "k2",
                ]))
        // The names the handler knows, in other cases and after a `Host` in capitals; a name that
        // is not a token, and names as long as a known one that are not it.
        var known = HTTPHeaders(RequestFields.names.map { ($0.uppercased(), "v-\($0)") })
        known.add(name: "Bad Name", value: "x")
        known.add(name: "HOST", value: "second")
        known.add(name: "hosT", value: "third")
        known.add(name: "content-typf", value: "y")
        known.add(name: "authorizatio ", value: "z")
        heads.append(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions", headers: known))
        for head in heads {
            #expect(DataPlaneHandler.request(head) == (try HTTPRequest(head, secure: false, splitCookie: false)), "\(head)")
        }
        // Of the last head: the first `Host` left out, the two after it kept, `content-typf` kept, the
        // two names that are not tokens dropped.
        #expect(DataPlaneHandler.request(heads.last!).headerFields.count == RequestFields.names.count + 2)
        for name in RequestFields.names { #expect(RequestFields.knownIndex(name.uppercased()) == RequestFields.names.firstIndex(of: name)) }
    }

    /// A route with a fixed path is answered by its own answer when the plane has one, every
    /// other request by the router's responder.
    @Test(.timeLimit(.minutes(1)))
    func aFixedPathIsAnsweredByItsOwnAnswerAndTheRestByTheRouter() async throws {
        func answering(_ text: String) -> DataPlane.Answer {
            DataPlane.Answer { _, _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: text))) }
        }
        let plane = DataPlane(
            responder: answering("router"), fixed: ["/v1/chat/completions": answering("fixed")], maxBodyBytes: 1024, maxAudioBytes: 1024,
            bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandlers([HTTPResponseEncoder(), plane.handler()])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        var sent = ""
        for path in ["/v1/chat/completions", "/openai/deployments/d/chat/completions", "/v1/embeddings", "/v1/chat/completions?x=1"] {
            try await channel.writeInbound(HTTPServerRequestPart.head(Self.post(path)))
            try await channel.writeInbound(HTTPServerRequestPart.end(nil))
            for _ in 0..<10 { await channel.testingEventLoop.run() }
            while let bytes = try await channel.readOutbound(as: ByteBuffer.self) { sent += String(buffer: bytes) }
        }
        let bodies = sent.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst().map { $0.components(separatedBy: "\r\n\r\n").last }
        #expect(bodies == ["fixed", "router", "router", "fixed"], "\(sent)")
        try await channel.close()
    }

    /// A connection's requests are answered in turn by one task (not a task each), which ends when
    /// the connection closes while it waits for the next.
    @Test(.timeLimit(.minutes(1)))
    func oneTaskAnswersAConnectionsRequestsAndEndsWithIt() async throws {
        let plane = DataPlane(
            responder: DataPlane.Answer { request, _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: request.uri.path)))
            },
            maxBodyBytes: 1024, maxAudioBytes: 1024, bodyTimeout: .seconds(30), idleTimeout: nil)
        let channel = NIOAsyncTestingChannel()
        // Read on the channel's loop only (`executeInContext`).
        nonisolated(unsafe) let handler = plane.handler()
        try await channel.pipeline.addHandlers([HTTPResponseEncoder(), handler])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        var tasks: [Task<Void, Never>] = []
        var sent = ""
        for path in ["/v1/chat/completions", "/v1/embeddings", "/v1/completions"] {
            try await channel.writeInbound(HTTPServerRequestPart.head(Self.post(path)))
            try await channel.writeInbound(HTTPServerRequestPart.end(nil))
            for _ in 0..<10 { await channel.testingEventLoop.run() }
            while let bytes = try await channel.readOutbound(as: ByteBuffer.self) { sent += String(buffer: bytes) }
            tasks.append(try #require(try await channel.testingEventLoop.executeInContext { handler.answers }))
        }
        let bodies = sent.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst().map { $0.components(separatedBy: "\r\n\r\n").last }
        #expect(bodies == ["/v1/chat/completions", "/v1/embeddings", "/v1/completions"], "each answered, in order: \(sent)")
        #expect(Set(tasks).count == 1, "one task for the connection's three requests")

        try await channel.close()
        await tasks[0].value
    }
}

/// How many chunks a streamed answer's writer has handed over.
private final class Taken: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add() { value.withLock { $0 += 1 } }
}

/// A socket that takes nothing until told: writes (and their promises) are held until `release`.
/// Used on the channel's loop only.
private final class SlowSocket: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var held: [(NIOAny, EventLoopPromise<Void>?)] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        held.append((data, promise))
    }

    func flush(context: ChannelHandlerContext) {}

    /// Puts what was held on the socket (the testing channel's outbound queue), and completes it.
    func release(context: ChannelHandlerContext) {
        let released = held
        held.removeAll()
        for (data, promise) in released { context.write(data, promise: promise) }
        context.flush()
    }
}

/// What the test handlers saw, in order.
private final class Wire {
    var endWritten = false
    var endFlushed = false
    var endFlushedAtClose: Bool?
}

/// Fires a shutdown's quiesce event in the loop's next task after an answer's end is written (a
/// complete answer is one write): before the flush that the handler leaves for the end of the
/// loop's pass.
private final class QuiesceOnEnd: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let wire: Wire

    init(wire: Wire) { self.wire = wire }

    func flush(context: ChannelHandlerContext) {
        if wire.endWritten { wire.endFlushed = true }
        context.flush()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = String(buffer: unwrapOutboundIn(data)).hasSuffix("answer")
        context.write(data, promise: promise)
        guard isEnd else { return }
        wire.endWritten = true
        let pipeline = context.pipeline
        context.eventLoop.assumeIsolated().execute { pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }
}

/// Stands in for Hummingbird's connection handling: closes at once when told to quiesce.
private final class CloseOnQuiesce: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart
    let wire: Wire

    init(wire: Wire) { self.wire = wire }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return }
        wire.endFlushedAtClose = wire.endFlushed
        context.close(promise: nil)
    }
}
