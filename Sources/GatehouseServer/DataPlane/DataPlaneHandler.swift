import GatehouseCore
import GatehouseProviders
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Takes the model routes' requests off the connection below Hummingbird's server: it reads the
/// head and the body on the event loop (bounded in size and in time), hands the whole request to
/// the connection's answer task (`RequestQueue`), which passes it to the router's responder —
/// the same middleware and routes every other request passes, so there is one implementation of
/// each rule; for a route with a fixed path, to the responder the router keeps for it, without
/// the router's lookup (`FixedRoutes`) — and writes the answer straight to the connection: a
/// complete body in one flush, a stream chunk by chunk, each written before the next is asked
/// for. Every other request passes on to Hummingbird untouched. It sits right above NIO's
/// HTTP/1.1 decoder, below the codec that turns NIO's request parts into HTTP types for
/// Hummingbird (`DataPlaneChannel`), and makes its own requests' heads (`request(_:)`). Its
/// answers are written as bytes (`HTTP1Framing`) from the place of NIO's response encoder in the
/// pipeline, below it.
///
/// Because two servers now share a connection, this handler keeps its order and its lifetime:
/// a request that arrives while an answer is outstanding (pipelining) waits, unread, until that
/// answer has ended, whichever side gives it; the idle timeout counts both sides' requests; a
/// shutdown lets an answer in progress finish, then closes.
final class DataPlaneHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Reading {
        /// Between requests.
        case idle
        /// Reading a request Hummingbird answers.
        case passing
        /// Reading a request answered here, whose body may grow to `limit`.
        case collecting(HTTPRequest, ByteBuffer, limit: Int)
        /// A request answered here has been read; whatever more arrives is dropped.
        case answering
        /// A body past its limit, refused: the rest of it is read and dropped, so that the client,
        /// still sending, reads the refusal instead of a reset connection. Once answered, the
        /// connection closes when the body ends or the client falls silent (`lingerTimeout`).
        case discarding(answered: Bool)
        /// The connection closes once the answer is out: nothing more is read.
        case closing
    }

    /// The most a request's body buffer reserves before its bytes arrive.
    static let initialBodyCapacity = 256 * 1024
    /// How long a refused body's sender may fall silent before the connection closes (nginx's
    /// `lingering_timeout`); `client_body_timeout` bounds the whole.
    static let lingerTimeout = TimeAmount.seconds(1)

    private let plane: DataPlane
    private var reading = Reading.idle
    /// Answers not yet ended, on both sides.
    private var outstanding = 0
    /// Parts that arrived while an answer was outstanding, in order, and whether a read waits on them.
    private var pending = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    private var closeAfterAnswer = false
    /// The task answering this connection's requests in turn, started with the first, and the
    /// requests handed to it (see `RequestQueue`).
    private(set) var answers: Task<Void, Never>?
    private var requests: RequestQueue<DataPlane.Job>?
    /// What answers the request being read (`DataPlane.answer`).
    private var answer: DataPlane.Answer
    /// When the head of the request being read arrived, and the deadline for its body, once armed.
    private var bodyStarted: NIODeadline?
    private var bodyDeadline: Scheduled<Void>?
    private var idleCheck: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()
    /// Whether a flush is queued for the end of the loop's pass (one serves every write before it).
    private var flushQueued = false
    /// NIO's HTTP/1.1 response encoder's place in the pipeline, found when this handler is added:
    /// our answers' bytes are written from there (TLS, when there is one, still below); nil once
    /// the connection has closed.
    private var wire: ChannelHandlerContext?
    /// Where a read is passed on from: `wire`, as the handlers between here and there (NIO's
    /// request decoder and its encoder) pass a read on untouched — unless NIO's
    /// pipelining assistance, which would hold it, is among them (Hummingbird leaves it out).
    private var readStart: ChannelHandlerContext?
    /// Whether the streamed answer being written has a body, sent in chunks.
    private var chunked = false

    init(plane: DataPlane) {
        self.plane = plane
        self.answer = plane.responder
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        let part = unwrapInboundIn(data)
        if !pending.isEmpty {
            pending.append(part)
        } else if case .head = part, outstanding > 0 {
            pending.append(part)
        } else {
            take(part, context: context)
        }
    }

    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (reading, part) {
        case (.idle, .head(let requestLine)):
            outstanding += 1
            guard let match = DataPlaneRoutes.match(requestLine.method, requestLine.uri) else {
                reading = .passing
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            let head = Self.request(requestLine)
            if Self.asksToClose(head) { closeAfterAnswer = true }
            bodyStarted = context.eventLoop.now
            answer = plane.answer(match)
            let limit = plane.bodyLimit(match.route)
            let length = head.headerFields.value(of: .contentLength).flatMap(Int.init)
            if let length, length > limit {
                refuse(head, context: context)
                return
            }
            // Sized for the declared length, but what an unauthenticated client merely declares
            // reserves no more than `initialBodyCapacity`: past that the buffer grows as bytes arrive.
            let capacity = min(max(length ?? 0, 0), Self.initialBodyCapacity)
            reading = .collecting(head, context.channel.allocator.buffer(capacity: capacity), limit: limit)
        case (.passing, _):
            if case .end = part { reading = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let head, var body, let limit), .body(let chunk)):
            reading = .answering  // the buffer is not shared while it grows
            guard body.readableBytes + chunk.readableBytes <= limit else {
                refuse(head, context: context)
                return
            }
            body.writeImmutableBuffer(chunk)
            reading = .collecting(head, body, limit: limit)
        case (.collecting(let head, let body, _), .end):
            bodyEnded()
            reading = .answering
            respond(to: Request(head: head, body: RequestBody(buffer: body)), body: body, context: context)
        case (.discarding(let answered), .end):
            bodyEnded()
            reading = answered ? .closing : .answering
            if answered { closeOnceAnswered(context: context) }
        case (.answering, _), (.closing, _), (.discarding, _):
            break
        case (.idle, _), (.collecting, .head):
            // Not HTTP as NIO's decoder delivers it: end the connection rather than guess.
            context.close(promise: nil)
        }
    }

    /// A body past the limit: the router answers it (413, after authentication, as every route
    /// does) from a body that refuses to be read, and the connection closes once the rest has been
    /// dropped (see `discarding`) — within `client_body_timeout`, whose deadline still runs.
    private func refuse(_ head: HTTPRequest, context: ChannelHandlerContext) {
        closeAfterAnswer = true
        reading = .discarding(answered: false)
        respond(to: Request(head: head, body: RequestBody(asyncSequence: OverLimitBody())), body: nil, context: context)
    }

    /// - Parameter request: taken, and moved to the connection's answer task: a copy would retain
    ///   each of its parts once more, and release them again, per request.
    private func respond(to request: consuming Request, body: ByteBuffer?, context: ChannelHandlerContext) {
        let requests = self.requests ?? startAnswering(context: context)
        requests.put((request, body, answer))
    }

    /// Starts the task that answers this connection's requests, on the connection's loop as its
    /// executor (see `LoopTaskExecutor`), until the connection closes.
    private func startAnswering(context: ChannelHandlerContext) -> RequestQueue<DataPlane.Job> {
        let requests = RequestQueue<DataPlane.Job>(eventLoop: context.eventLoop)
        let sink = AnswerSink(handler: self, context: context)
        let channel = context.channel
        answers = Task(executorPreference: LoopTaskExecutor(loop: context.eventLoop)) {
            while let (request, body, answer) = await requests.next() {
                do {
                    let response = try await answer.respond(request, body, channel)
                    try await sink.send(consume response)
                } catch {
                    // Cancelled (the client left) or the connection failed while writing: nobody to answer.
                    sink.abandon()
                }
            }
        }
        self.requests = requests
        return requests
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        armBodyDeadline(context: context)
        context.fireChannelReadComplete()
    }

    /// A client trickling its body (or the rest of a refused one) must not hold a connection
    /// forever: it has until `client_body_timeout` after the head. Armed when a read completes
    /// with the body still arriving, not at the head: most bodies come with their head and need
    /// no timer at all.
    private func armBodyDeadline(context: ChannelHandlerContext) {
        guard bodyDeadline == nil, let bodyStarted else { return }
        bodyDeadline = context.eventLoop.assumeIsolated().scheduleTask(deadline: bodyStarted + plane.bodyTimeout) {
            context.close(promise: nil)
        }
    }

    private func bodyEnded() {
        bodyStarted = nil
        bodyDeadline?.cancel()
        bodyDeadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        requests?.close()
        answers?.cancel()
        answers = nil
        bodyEnded()
        idleCheck?.cancel()
        pending.removeAll()
        wire = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Requests not yet begun are dropped (the client may retry them elsewhere); one of ours in
        // progress finishes, then the connection closes; Hummingbird's are its own to finish.
        pending.removeAll()
        switch reading {
        case .discarding(answered: true):
            reading = .closing
            closeOnceAnswered(context: context)
        case .collecting, .answering, .discarding(answered: false): closeAfterAnswer = true
        case .idle, .passing, .closing:
            // Hummingbird closes a connection it sees idle: not before our last answer, whose
            // flush may still be waiting for the loop's pass, is on the socket.
            let written = afterWrites(context: context)
            context.flush()
            written.assumeIsolated().whenComplete { _ in context.fireUserInboundEventTriggered(event) }
        }
    }

    // MARK: Outbound (Hummingbird's answers pass here; ours are written from this handler)

    /// An answer's end counts only for a request read here: a 431 for a head too large to read
    /// (`HeaderLimitResponder`, above) answers none.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data), outstanding > 0 { answerEnded(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if pending.isEmpty { askToRead(context) } else { readHeld = true }
    }

    private func askToRead(_ context: ChannelHandlerContext) {
        (readStart ?? context).read()
    }

    // MARK: Answers (on the event loop)

    /// A streamed answer's head: it leaves with the first chunk when that is already at hand
    /// (one write, one wake-up of the client), else at the end of the loop's current pass.
    func writeHead(_ head: HTTPResponse, context: ChannelHandlerContext) {
        chunked = HTTP1Framing.hasBody(head.status)
        var bytes = context.channel.allocator.buffer(capacity: Self.headCapacity)
        frame(head, length: .chunked, into: &bytes)
        emit(bytes, context: context)
        flushAfterQueuedWork(context: context)
    }

    /// A streamed chunk, flushed at the end of the loop's current pass (with any chunk and end
    /// that follow in it). - Returns: what to wait for before the next chunk — nothing while the
    /// connection takes writes; once its buffer is past the high-water mark, the writes so far
    /// reaching the socket (`afterWrites`: back-pressure from a slow client reaches the upstream);
    /// once it has closed, their failure (which ends the answer, and the upstream request, at once).
    func writeBody(_ buffer: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void>? {
        guard chunked, buffer.readableBytes > 0 else { return nil }
        if buffer.readableBytes <= HTTP1Framing.copiedBodyBytes {
            var bytes = context.channel.allocator.buffer(capacity: buffer.readableBytes + HTTP1Framing.chunkFramingBytes)
            HTTP1Framing.writeChunk(buffer, into: &bytes)
            emit(bytes, context: context)
        } else {
            var size = context.channel.allocator.buffer(capacity: HTTP1Framing.chunkFramingBytes)
            HTTP1Framing.writeChunkSize(buffer.readableBytes, into: &size)
            emit(size, context: context)
            emit(buffer, context: context)
            emit(context.channel.allocator.buffer(staticString: HTTP1Framing.chunkEnd), context: context)
        }
        flushAfterQueuedWork(context: context)
        return context.channel.isWritable && context.channel.isActive ? nil : afterWrites(context: context)
    }

    /// A complete answer: head and body in one write (two for a large body), one flush.
    func writeWhole(_ head: HTTPResponse, body: ByteBuffer?, context: ChannelHandlerContext) {
        let count = HTTP1Framing.hasBody(head.status) ? body?.readableBytes ?? 0 : 0
        let copied = count <= HTTP1Framing.copiedBodyBytes
        var bytes = context.channel.allocator.buffer(capacity: Self.headCapacity + (copied ? count : 0))
        frame(head, length: .fixed(count), into: &bytes)
        if let body, count > 0, !copied {
            emit(bytes, context: context)
            emit(body, context: context)
        } else {
            if let body, count > 0 { bytes.writeImmutableBuffer(body) }
            emit(bytes, context: context)
        }
        ended(context: context)
    }

    /// A streamed answer's end: the last chunk.
    func writeEnd(context: ChannelHandlerContext) {
        if chunked { emit(context.channel.allocator.buffer(staticString: HTTP1Framing.lastChunk), context: context) }
        chunked = false
        ended(context: context)
    }

    /// What a head's buffer reserves: a status line and a dozen fields.
    static let headCapacity = 512

    /// Writes an answer's bytes below NIO's response encoder, with no promise: nobody waits for a
    /// write unless it must (`afterWrites`). Without the encoder (the connection has closed) the
    /// answer cannot be given: the connection closes.
    private func emit(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard let wire else { return context.close(promise: nil) }
        wire.write(NIOAny(bytes), promise: nil)
    }

    /// Complete once everything written here so far is on the socket (an empty write queued
    /// behind it, so only those who wait — back-pressure, a close, a shutdown — make a promise);
    /// failed if the connection closes first.
    private func afterWrites(context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard let wire else {
            context.close(promise: nil)
            return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        wire.write(NIOAny(context.channel.allocator.buffer(capacity: 0)), promise: written)
        return written.futureResult
    }

    /// An answer has been written up to its end: the next request may be read, or the connection
    /// closes once the answer is on the socket.
    private func ended(context: ChannelHandlerContext) {
        let refusedBodyUnread: Bool
        if case .discarding = reading { refusedBodyUnread = true } else { refusedBodyUnread = false }
        reading = refusedBodyUnread ? .discarding(answered: true) : closeAfterAnswer ? .closing : .idle
        flushAfterQueuedWork(context: context)
        if refusedBodyUnread {
            lastActivity = .now()
            scheduleLingerCheck(context: context)
        } else if closeAfterAnswer {
            closeOnceAnswered(context: context)
        } else {
            answerEnded(context: context)
        }
    }

    /// Closes the connection once the last answer is on the socket.
    private func closeOnceAnswered(context: ChannelHandlerContext) {
        afterWrites(context: context).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        flushAfterQueuedWork(context: context)
    }

    /// While a refused body is still arriving: closes once its sender has been silent for `lingerTimeout`.
    private func scheduleLingerCheck(context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTimeout) {
            guard case .discarding = self.reading else { return }
            if NIODeadline.now() - self.lastActivity >= Self.lingerTimeout {
                self.reading = .closing
                self.closeOnceAnswered(context: context)
            } else {
                self.scheduleLingerCheck(context: context)
            }
        }
    }

    func abandon(context: ChannelHandlerContext) {
        reading = .closing
        context.close(promise: nil)
    }

    /// `ChannelHandlerContext.flushAfterQueuedWork`, queued once for any number of writes. The
    /// flush starts where our answers are written (`wire`): the handlers between here and there
    /// (NIO's request decoder and its encoder) pass a flush on untouched.
    private func flushAfterQueuedWork(context: ChannelHandlerContext) {
        guard !flushQueued else { return }
        flushQueued = true
        context.eventLoop.assumeIsolated().execute {
            self.flushQueued = false
            (self.wire ?? context).flush()
        }
    }

    /// Writes the head as it leaves: with the current `Date`, and with `Connection: close` when the
    /// connection ends after it.
    private func frame(_ head: HTTPResponse, length: HTTP1Framing.Length, into bytes: inout ByteBuffer) {
        HTTP1Framing.writeHead(head, length: length, date: HTTPDate.now(), close: closeAfterAnswer, into: &bytes)
    }

    /// An answer (either side's) has ended: the next request, if one waits, may begin.
    private func answerEnded(context: ChannelHandlerContext) {
        lastActivity = .now()
        outstanding -= 1
        guard outstanding == 0, !pending.isEmpty else { return }
        // Not from inside the write that ended the answer: the parts go round the pipeline again.
        context.eventLoop.assumeIsolated().execute { self.resume(context: context) }
    }

    private func resume(context: ChannelHandlerContext) {
        // Hummingbird's side takes what it was given when a read completes.
        defer {
            armBodyDeadline(context: context)
            context.fireChannelReadComplete()
        }
        while let part = pending.first {
            if case .head = part, outstanding > 0 { return }
            pending.removeFirst()
            take(part, context: context)
        }
        if readHeld {
            readHeld = false
            askToRead(context)
        }
    }

    // MARK: Idle connections (Hummingbird's own timeout is off: it would not see our requests)

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        wire = try? pipeline.context(handlerType: HTTPResponseEncoder.self)
        readStart = (try? pipeline.context(handlerType: HTTPServerPipelineHandler.self)) == nil ? wire : nil
        if context.channel.isActive { scheduleIdleCheck(context: context, in: plane.idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requests?.close()
        wire = nil
        readStart = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if idleCheck == nil { scheduleIdleCheck(context: context, in: plane.idleTimeout) }
        context.fireChannelActive()
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, in delay: TimeAmount?) {
        guard let delay else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            guard let timeout = self.plane.idleTimeout else { return }
            let idleFor = NIODeadline.now() - self.lastActivity
            if self.outstanding > 0 || !self.pending.isEmpty {
                self.scheduleIdleCheck(context: context, in: timeout)
            } else if idleFor >= timeout {
                context.close(promise: nil)
            } else {
                self.scheduleIdleCheck(context: context, in: timeout - idleFor)
            }
        }
    }

    /// A `POST` in origin form (`DataPlaneRoutes.match`) as NIO's `HTTP1ToHTTPServerCodec`,
    /// above this handler, makes it for Hummingbird: the same method, scheme (`http`, as
    /// Hummingbird asks for it over TLS too), authority, path and fields. Made here, below that
    /// codec, because its path comes out unchanged for a target in origin form, without the
    /// `URLComponents` parse the codec spends on every target to find an absolute one.
    static func request(_ head: HTTPRequestHead) -> HTTPRequest {
        HTTPRequest(
            method: .post, scheme: "http", authority: head.headers.first(name: "Host"), path: head.uri,
            headerFields: RequestFields.fields(head.headers))
    }

    /// Whether the request's `Connection` header (its values joined) names `close`.
    static func asksToClose(_ head: HTTPRequest) -> Bool {
        guard let value = head.headerFields.value(of: .connection) else { return false }
        return value.split(separator: ",").contains { $0.trimmingSpaces.lowercased() == "close" }
    }
}

/// A body past the limit, which refuses to be read: the route answers 413 as it does for any.
private struct OverLimitBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    struct AsyncIterator: AsyncIteratorProtocol {
        mutating func next() async throws -> ByteBuffer? { throw HTTPError(.contentTooLarge) }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
