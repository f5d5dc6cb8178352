import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import GatehouseProviders

/// The upstream connection's state machine on a testing channel, without a socket: one exchange
/// at a time, reuse only after a whole keep-alive response, and every way a connection can end.
@Suite("Upstream connection handler")
struct UpstreamConnectionHandlerTests {
    /// Carries the body sequence out of the event loop, as the transport does.
    struct Transfer<Value>: @unchecked Sendable { let value: Value }

    static let request = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions")

    /// How many times the handler said its connection can serve another request.
    final class Reuses: Sendable {
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        func add() { count.add(1, ordering: .relaxed) }
    }

    /// Counts the reads the handler asks of the socket.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Any
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }

        func read(context: ChannelHandlerContext) {
            count.add(1, ordering: .relaxed)
            context.read()
        }
    }

    /// A connected channel with the handler, and its reuse count. - Parameter reads: counts the
    /// reads the handler asks for.
    func connected(reads: ReadCounter? = nil) async throws -> (NIOAsyncTestingChannel, Reuses) {
        let reusable = Reuses()
        let channel = try await NIOAsyncTestingChannel { channel in
            if let reads { try channel.pipeline.syncOperations.addHandler(reads) }
            let handler = UpstreamConnectionHandler()
            handler.onReusable = { reusable.add() }
            try channel.pipeline.syncOperations.addHandler(handler)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080))
        return (channel, reusable)
    }

    /// Starts an exchange on the loop, as `NIOHTTPTransport` does.
    func start(
        on channel: NIOAsyncTestingChannel, firstByteTimeout: TimeAmount = .seconds(30)
    ) async throws -> (
        head: EventLoopFuture<HTTPResponseHead>, body: UpstreamBody
    ) {
        let started = try await channel.testingEventLoop.executeInContext {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            let promise = channel.eventLoop.makePromise(of: HTTPResponseHead.self)
            handler.start(head: Self.request, bytes: ByteBuffer(string: "{}"), firstByteTimeout: firstByteTimeout, awaiting: .head(promise))
            let body = UpstreamBody.streamed(handler.makeBody(on: channel.eventLoop), deadline: .distantFuture)
            return Transfer(value: (promise.futureResult, body))
        }
        // The request is flushed once the loop's current work is done (see `start`).
        await channel.testingEventLoop.run()
        return started.value
    }

    /// Starts an exchange whose body the handler gathers whole.
    func startWhole(
        on channel: NIOAsyncTestingChannel, limit: Int = 1 << 20, total: TimeAmount = .seconds(30)
    ) async throws -> EventLoopFuture<UpstreamConnectionHandler.WholeResponse> {
        let started = try await channel.testingEventLoop.executeInContext {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            let whole = UpstreamConnectionHandler.WholeBody(promise: channel.eventLoop.makePromise(), limit: limit, total: total)
            handler.start(head: Self.request, bytes: ByteBuffer(string: "{}"), firstByteTimeout: .seconds(30), awaiting: .whole(whole))
            return whole.promise.futureResult
        }
        await channel.testingEventLoop.run()
        return started
    }

    /// A pooled connection the upstream closed after it was taken: `start` fails the head, and
    /// the body made next ends at once. (With NIO's sequence producer, that body's source was
    /// dropped unfinished, which NIO answered by stopping the process.)
    @Test func aBodyMadeAfterTheConnectionWentAwayEndsAndStopsNothing() async throws {
        let (channel, _) = try await connected()
        let handler = try await channel.testingEventLoop.executeInContext {
            Transfer(value: try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self))
        }
        try await channel.close()
        let started = try await channel.testingEventLoop.executeInContext {
            let promise = channel.eventLoop.makePromise(of: HTTPResponseHead.self)
            handler.value.start(head: Self.request, bytes: ByteBuffer(string: "{}"), firstByteTimeout: .seconds(30), awaiting: .head(promise))
            let body = UpstreamBody.streamed(handler.value.makeBody(on: channel.eventLoop), deadline: .distantFuture)
            return Transfer(value: (promise.futureResult, body))
        }
        await #expect(throws: UpstreamConnectionHandler.Failure.self) { try await started.value.0.get() }
        var chunks = started.value.1.makeAsyncIterator()
        #expect(try await chunks.next() == nil)
    }

    @Test func aWholeBodyIsHandedOverWithItsHeadAtItsEnd() async throws {
        let (channel, reusable) = try await connected()
        let response = try await startWhole(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "chunk one, ")))
        // Not before the end: head and body go together.
        let early = Reuses()
        response.whenComplete { _ in early.add() }
        #expect(early.value == 0)
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "chunk two")))
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        let whole = try await response.get()
        #expect(whole.head.status == .ok)
        #expect(String(buffer: whole.body) == "chunk one, chunk two")
        #expect(reusable.value == 1)
        _ = try await channel.finish()
    }

    @Test func aWholeBodyPastItsLimitOrItsTimeFailsAndClosesTheConnection() async throws {
        let (large, _) = try await connected()
        let response = try await startWhole(on: large, limit: 10)
        try await large.writeInbound(responseHead(.ok))
        try await large.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "0123456789")))
        try await large.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "!")))
        await #expect {
            _ = try await response.get()
        } throws: { error in
            (UpstreamConnectionHandler.transportError(error) as? TransportError)?.kind == .bodyTooLarge
        }
        try await large.closeFuture.get()

        let (slow, _) = try await connected()
        let slowResponse = try await startWhole(on: slow, total: .seconds(5))
        try await slow.writeInbound(responseHead(.ok))
        try await slow.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "partial")))
        await slow.testingEventLoop.advanceTime(by: .seconds(4))
        #expect(slow.isActive)
        await slow.testingEventLoop.advanceTime(by: .seconds(1))
        await #expect {
            _ = try await slowResponse.get()
        } throws: { error in
            (UpstreamConnectionHandler.transportError(error) as? TransportError)?.kind == .timeout
        }
        try await slow.closeFuture.get()
    }

    func responseHead(_ status: HTTPResponseStatus, close: Bool = false) -> HTTPClientResponsePart {
        var head = HTTPResponseHead(version: .http1_1, status: status)
        if close { head.headers.add(name: "connection", value: "close") }
        return .head(head)
    }

    @Test func anExchangeIsWrittenWholeAndAKeepAliveResponseLeavesTheConnectionReusable() async throws {
        let (channel, reusable) = try await connected()
        let (head, body) = try await start(on: channel)
        guard case .head(let sent)? = try await channel.readOutbound(as: HTTPClientRequestPart.self) else {
            Issue.record("no request head")
            return
        }
        #expect(sent.uri == "/v1/chat/completions" && sent.method == .POST)
        guard case .body(.byteBuffer(let sentBody))? = try await channel.readOutbound(as: HTTPClientRequestPart.self) else {
            Issue.record("no request body")
            return
        }
        #expect(String(buffer: sentBody) == "{}")
        // The bytes come framed: no end part follows them.
        #expect(try await channel.readOutbound(as: HTTPClientRequestPart.self) == nil)
        try await channel.writeInbound(responseHead(.ok))
        #expect(try await head.get().status == .ok)
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "chunk one, ")))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "chunk two")))
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        var received = ""
        for try await chunk in body { received += String(buffer: chunk) }
        #expect(received == "chunk one, chunk two")
        #expect(reusable.value == 1)
        #expect(channel.isActive)
        _ = try await channel.finish()
    }

    @Test func aResponseThatClosesTheConnectionIsNotReused() async throws {
        let (channel, reusable) = try await connected()
        let (head, body) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok, close: true))
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        #expect(try await head.get().status == .ok)
        for try await _ in body {}
        try await channel.closeFuture.get()
        #expect(reusable.value == 0)
    }

    @Test func bytesOnAnIdleConnectionCloseIt() async throws {
        let (channel, reusable) = try await connected()
        // Nothing was asked: the connection's framing can no longer be trusted.
        try await channel.writeInbound(responseHead(.ok))
        try await channel.closeFuture.get()
        #expect(reusable.value == 0)
    }

    @Test func aCloseBeforeAnyByteOfTheResponseIsSafeToRetry() async throws {
        let (channel, _) = try await connected()
        let (head, body) = try await start(on: channel)
        try await channel.close()
        await #expect {
            _ = try await head.get()
        } throws: { error in
            if case UpstreamConnectionHandler.Failure.closedBeforeResponse = error { return true }
            return false
        }
        withExtendedLifetime(body) {}
    }

    @Test func aCloseMidResponseEndsTheBodyWithAnErrorThatIsNoRetry() async throws {
        let (channel, _) = try await connected()
        let (head, body) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "partial")))
        #expect(try await head.get().status == .ok)
        try await channel.close()
        var received = ""
        await #expect {
            for try await chunk in body { received += String(buffer: chunk) }
        } throws: { error in
            (error as? TransportError)?.description == "upstream closed the connection mid-response"
        }
        #expect(received == "partial")
    }

    @Test func noFirstByteInTimeFailsTheExchangeAndClosesTheConnection() async throws {
        let (channel, _) = try await connected()
        let (head, body) = try await start(on: channel, firstByteTimeout: .seconds(5))
        // A consumer that dropped the body would end the exchange itself: keep it.
        defer { withExtendedLifetime(body) {} }
        try await expectFirstByteTimeout(head, on: channel, after: .seconds(5))
    }

    /// The exchange is still waiting until just before `timeout`, and then fails with the first-byte
    /// timeout and closes its connection.
    func expectFirstByteTimeout(
        _ head: EventLoopFuture<HTTPResponseHead>, on channel: NIOAsyncTestingChannel, after timeout: TimeAmount
    ) async throws {
        await channel.testingEventLoop.advanceTime(by: timeout - .milliseconds(100))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(100))
        await #expect {
            _ = try await head.get()
        } throws: { error in
            if case UpstreamConnectionHandler.Failure.firstByteTimeout = error { return true }
            return false
        }
        try await channel.closeFuture.get()
    }

    /// The connection has one timer for its exchanges' deadlines: a later exchange with an
    /// earlier deadline than the timer's still fails on time, and one with a later deadline is
    /// not cut short when the timer fires for an earlier one.
    @Test(arguments: [(answered: 30, waiting: 2), (answered: 1, waiting: 10)])
    func eachExchangeOnAConnectionKeepsItsOwnDeadline(answered: Int64, waiting: Int64) async throws {
        let (channel, reusable) = try await connected()
        // Answered at once: the timer stays armed at its first-byte deadline.
        let (firstHead, firstBody) = try await start(on: channel, firstByteTimeout: .seconds(answered))
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        _ = try await firstHead.get()
        for try await _ in firstBody {}
        #expect(reusable.value == 1)

        let (head, body) = try await start(on: channel, firstByteTimeout: .seconds(waiting))
        defer { withExtendedLifetime(body) {} }
        try await expectFirstByteTimeout(head, on: channel, after: .seconds(waiting))
    }

    @Test func aLateSignalFromAFinishedBodyCannotTouchTheNextExchange() async throws {
        let (channel, reusable) = try await connected()
        let (firstHead, firstBody) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        _ = try await firstHead.get()
        #expect(reusable.value == 1)
        for try await _ in firstBody {}
        let (secondHead, secondBody) = try await start(on: channel)
        defer { withExtendedLifetime(secondBody) {} }
        // The first exchange's consumer lets go of its (ended) body only now.
        try await channel.testingEventLoop.executeInContext {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            handler.abandon(exchange: handler.exchangeID - 1)
        }
        #expect(channel.isActive)
        try await channel.writeInbound(responseHead(.created))
        #expect(try await secondHead.get().status == .created)
        _ = try await channel.finish()
    }

    /// Back-pressure: with eight chunks unread the handler stops asking the socket for more, and
    /// asks again once the reader has brought them down to two; the body arrives whole and in order.
    @Test func theHandlerStopsReadingWhileEightChunksWaitUnreadAndReadsAgainAtTwo() async throws {
        let reads = ReadCounter()
        let (channel, reusable) = try await connected(reads: reads)
        let (head, body) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        #expect(try await head.get().status == .ok)
        for index in 0..<7 { try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "\(index),"))) }
        let beforeTheEighth = reads.value
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "7,")))
        // The eighth chunk's read completes without asking for another.
        #expect(reads.value == beforeTheEighth)
        var chunks = body.makeAsyncIterator()
        var received = ""
        for _ in 0..<5 { received += String(buffer: try #require(try await chunks.next())) }
        #expect(reads.value == beforeTheEighth, "three chunks still wait: not yet")
        received += String(buffer: try #require(try await chunks.next()))
        #expect(reads.value == beforeTheEighth + 1, "down to two: the socket is read again")
        for index in 8..<10 { try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "\(index),"))) }
        try await channel.writeInbound(HTTPClientResponsePart.end(nil))
        while let chunk = try await chunks.next() { received += String(buffer: chunk) }
        #expect(received == (0..<10).map { "\($0)," }.joined())
        #expect(reusable.value == 1)
        _ = try await channel.finish()
    }

    /// A reader that lets go of the body before its end (the client went away) ends the upstream
    /// request: the connection closes and is not reused.
    @Test func aBodyDroppedBeforeItsEndClosesTheConnection() async throws {
        let (channel, reusable) = try await connected()
        var started: (head: EventLoopFuture<HTTPResponseHead>, body: UpstreamBody)? = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "partial")))
        var chunks: UpstreamBody.AsyncIterator? = started?.body.makeAsyncIterator()
        #expect(String(buffer: try #require(try await chunks?.next())) == "partial")
        #expect(channel.isActive)
        started = nil
        chunks = nil
        try await channel.closeFuture.get()
        #expect(reusable.value == 0)
    }

    /// A reader waiting for a chunk whose task is cancelled gets `CancellationError`, and the
    /// upstream request ends with it.
    @Test func cancellingAWaitingReaderEndsTheBodyAndClosesTheConnection() async throws {
        let (channel, _) = try await connected()
        let (head, body) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        _ = try await head.get()
        let reader = Task {
            var chunks = body.makeAsyncIterator()
            return try await chunks.next()
        }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        await #expect(throws: CancellationError.self) { _ = try await reader.value }
        try await channel.closeFuture.get()
    }

    /// A body's end that arrives while chunks still wait unread comes after them; an error after
    /// them too.
    @Test func theEndAndAnErrorComeAfterTheChunksStillUnread() async throws {
        let (channel, _) = try await connected()
        let (head, body) = try await start(on: channel)
        try await channel.writeInbound(responseHead(.ok))
        _ = try await head.get()
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "one,")))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "two")))
        try await channel.close()
        var chunks = body.makeAsyncIterator()
        #expect(String(buffer: try #require(try await chunks.next())) == "one,")
        #expect(String(buffer: try #require(try await chunks.next())) == "two")
        await #expect(throws: TransportError.self) { _ = try await chunks.next() }
    }

    /// A streamed body past the attempt's total deadline fails at its next chunk.
    @Test func aStreamedBodyPastItsDeadlineFails() async throws {
        let (channel, _) = try await connected()
        let started = try await channel.testingEventLoop.executeInContext {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            let promise = channel.eventLoop.makePromise(of: HTTPResponseHead.self)
            handler.start(head: Self.request, bytes: ByteBuffer(string: "{}"), firstByteTimeout: .seconds(30), awaiting: .head(promise))
            // Already past.
            return Transfer(value: UpstreamBody.streamed(handler.makeBody(on: channel.eventLoop), deadline: .now() - .seconds(1)))
        }
        try await channel.writeInbound(responseHead(.ok))
        try await channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "late")))
        var chunks = started.value.makeAsyncIterator()
        await #expect {
            _ = try await chunks.next()
        } throws: { error in
            (error as? TransportError)?.kind == .timeout
        }
    }
}
