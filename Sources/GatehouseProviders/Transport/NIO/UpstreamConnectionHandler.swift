import NIOCore
import NIOHTTP1

/// Drives one request/response exchange at a time on a keep-alive upstream connection: hands the
/// response head to a promise, streams the body into an async sequence with back-pressure
/// (reading from the socket only when the consumer wants more) — or, for a caller that wants the
/// whole body, gathers it here and hands head and body over at the end —, and decides at the end
/// whether the connection can serve another request.
final class UpstreamConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Why an exchange ended before a response head.
    enum Failure: Error {
        /// The connection closed before any byte of the response: safe to retry on a fresh one.
        case closedBeforeResponse
        case firstByteTimeout
        case idleTimeout
        /// A whole body did not arrive within the total timeout.
        case totalTimeout
        /// A whole body passed its limit.
        case bodyTooLarge(Int)
        case other(any Error)
    }

    /// A response gathered whole, handed over at its end.
    struct WholeResponse: Sendable {
        let head: HTTPResponseHead
        let body: ByteBuffer
    }

    /// A body gathered here: at most `limit` bytes within `total` of the head.
    struct WholeBody: Sendable {
        let promise: EventLoopPromise<WholeResponse>
        let limit: Int
        let total: TimeAmount
        var body: ByteBuffer?
    }

    /// What the caller waits for: the response's head (its body is streamed, `makeBody`), or the
    /// whole response, head and body together (one promise, one wait).
    enum Awaiting: Sendable {
        case head(EventLoopPromise<HTTPResponseHead>)
        case whole(WholeBody)

        func fail(_ error: any Error) {
            switch self {
            case .head(let promise): promise.fail(error)
            case .whole(let whole): whole.promise.fail(error)
            }
        }
    }

    private struct Exchange {
        /// Set when the body is streamed; `whole` when it is gathered.
        var head: EventLoopPromise<HTTPResponseHead>?
        var body: StreamedUpstreamBody?
        var whole: WholeBody?
        var responseHead: HTTPResponseHead?
        var receivedAnything = false
        var keepAlive = true
        /// When the exchange times out, and how it fails then.
        var deadline: (at: NIODeadline, failure: Failure)?
    }

    private var exchange: Exchange?
    /// The connection's one timer for its exchanges' deadlines, armed at `at`. An exchange only
    /// sets its deadline; the timer is re-armed when it fires before the current deadline or an
    /// earlier deadline comes, so a request schedules and cancels nothing of its own.
    private var timer: (at: NIODeadline, task: Scheduled<Void>)?
    /// Identifies the current exchange, so that a late signal from a finished body cannot touch the next one.
    private(set) var exchangeID: UInt64 = 0
    private var context: ChannelHandlerContext?
    /// Where the framed request is written and flushed from: below NIO's response decoder and the
    /// idle handler, which have nothing to do with its bytes (the decoder observes the head alone,
    /// which is written through them). Nil without `UpstreamRequestWriter` in the pipeline.
    private var wire: ChannelHandlerContext?
    private var readPending = false
    /// A read asked of the socket and not answered yet (its `channelReadComplete` not come): the
    /// next exchange needs no read of its own then, as a connection idling in the pool has one.
    private var readAsked = false
    private var wantsMore = true
    /// Called when an exchange has ended with the connection still reusable.
    var onReusable: (() -> Void)?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        wire = try? context.pipeline.syncOperations.context(handlerType: UpstreamRequestWriter.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        wire = nil
    }

    /// Starts an exchange: writes the request with a single flush (`flushAfterQueuedWork`).
    /// - Parameters:
    ///   - head: for the response decoder, which keeps its method (not written).
    ///   - bytes: the request, framed (`UpstreamRequestFraming`).
    ///   - awaiting: the head's promise, the body then streamed (`makeBody`); or the whole
    ///     response's, kept until the body has all arrived.
    func start(head: HTTPRequestHead, bytes: ByteBuffer, firstByteTimeout: TimeAmount, awaiting: Awaiting) {
        guard let context, context.channel.isActive else {
            awaiting.fail(Failure.closedBeforeResponse)
            return
        }
        exchangeID &+= 1
        switch awaiting {
        case .head(let promise): exchange = Exchange(head: promise)
        case .whole(let whole): exchange = Exchange(whole: whole)
        }
        setDeadline(context.eventLoop.now + firstByteTimeout, failing: .firstByteTimeout, context: context)
        wantsMore = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let wire {
            wire.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
            wire.flushAfterQueuedWork()
        } else {
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            context.flushAfterQueuedWork()
        }
        if !readAsked { askToRead(context) }
    }

    /// Asks the socket for a read, from below the response decoder and the idle handler, which
    /// pass a read on untouched.
    private func askToRead(_ context: ChannelHandlerContext) {
        readAsked = true
        (wire ?? context).read()
    }

    /// The response body, bound to the exchange `start` began: called right after it, on the
    /// connection's loop, `eventLoop`.
    func makeBody(on eventLoop: any EventLoop) -> StreamedUpstreamBody.Reader {
        let body = StreamedUpstreamBody(handler: self, exchange: exchangeID, eventLoop: eventLoop)
        if exchange == nil {
            // `start` found the connection gone (closed by the upstream since it was pooled) and
            // failed the head: the body ends at once.
            body.finish()
        } else {
            exchange!.body = body
        }
        return StreamedUpstreamBody.Reader(body)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard exchange != nil else {
            // Bytes nobody asked for (on an idle pooled connection): the connection's framing can
            // no longer be trusted.
            context.close(promise: nil)
            return
        }
        // The exchange is changed where it is: a copy of it per chunk (its promise, sequence
        // source and head) showed in streaming profiles.
        exchange!.receivedAnything = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            exchange!.deadline = nil
            exchange!.keepAlive = head.isKeepAlive
            if let total = exchange!.whole?.total {
                exchange!.responseHead = head
                setDeadline(context.eventLoop.now + total, failing: .totalTimeout, context: context)
            } else {
                exchange!.head?.succeed(head)
            }
        case .body(let buffer):
            if exchange!.whole != nil { return gather(buffer) }
            if exchange!.body?.yield(buffer) == false { wantsMore = false }
        case .end:
            let ended = exchange!
            exchange = nil
            ended.body?.finish()
            if let whole = ended.whole, let head = ended.responseHead {
                whole.promise.succeed(WholeResponse(head: head, body: whole.body ?? ByteBuffer()))
            }
            if ended.keepAlive {
                onReusable?()
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// A chunk of a body gathered whole.
    private func gather(_ buffer: ByteBuffer) {
        guard var whole = exchange?.whole else { return }
        // Held by nothing else while it grows (no copy on write).
        exchange!.whole = nil
        guard (whole.body?.readableBytes ?? 0) + buffer.readableBytes <= whole.limit else {
            exchange!.whole = whole
            fail(Failure.bodyTooLarge(whole.limit))
            return
        }
        if whole.body == nil { whole.body = buffer } else { whole.body!.writeImmutableBuffer(buffer) }
        exchange!.whole = whole
    }

    /// With auto-read off, the next read is asked for here: at once while the consumer wants more
    /// body (or while the connection idles in the pool, so a close by the upstream is noticed), or
    /// later, when `resumeReading` is called.
    func channelReadComplete(context: ChannelHandlerContext) {
        readAsked = false
        if exchange == nil || wantsMore {
            askToRead(context)
        } else {
            readPending = true
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if exchange == nil || wantsMore {
            askToRead(context)
        } else {
            readPending = true
        }
    }

    /// The consumer is ready for more body: resume reading if we held back.
    func resumeReading(exchange id: UInt64) {
        guard id == exchangeID else { return }
        wantsMore = true
        if readPending, let context {
            readPending = false
            askToRead(context)
        }
    }

    /// The consumer dropped the body before its end: the upstream request is cancelled by closing.
    func abandon(exchange id: UInt64) {
        guard id == exchangeID, exchange != nil else { return }
        fail(Failure.other(CancellationError()))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event {
            if exchange != nil { fail(Failure.idleTimeout) } else { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or a write to a socket the upstream had just closed, before any byte came
        // back, is the same race as a close: the upstream dropped an idle connection.
        let dropped = error is IOError || (error as? ChannelError).map { $0 == .ioOnClosedChannel || $0 == .eof } ?? false
        fail(dropped ? Failure.closedBeforeResponse : Failure.other(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(Failure.closedBeforeResponse)
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// The current exchange fails with `failure` unless it moves on before `deadline`.
    private func setDeadline(_ deadline: NIODeadline, failing failure: Failure, context: ChannelHandlerContext) {
        exchange?.deadline = (deadline, failure)
        if let timer, timer.at <= deadline { return }
        timer?.task.cancel()
        armTimer(at: deadline, context: context)
    }

    private func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] () -> Void in
            self?.timerFired(context: context)
        }
        timer = (deadline, task)
    }

    /// Fails the exchange whose deadline has passed; else waits for the current deadline, if any.
    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let deadline = exchange?.deadline else { return }
        if deadline.at <= context.eventLoop.now {
            fail(deadline.failure)
        } else {
            armTimer(at: deadline.at, context: context)
        }
    }

    private func fail(_ failure: Failure) {
        guard let exchange else { return }
        self.exchange = nil
        let error: any Error
        if case .closedBeforeResponse = failure, exchange.receivedAnything {
            error = TransportError(.other, "upstream closed the connection mid-response")
        } else {
            error = failure
        }
        exchange.head?.fail(error)
        exchange.whole?.promise.fail(error)
        exchange.body?.finish(Self.transportError(error))
        context?.close(promise: nil)
    }

    static func transportError(_ error: any Error) -> any Error {
        switch error {
        case Failure.idleTimeout: return TransportError(.timeout, "upstream went silent past the idle timeout")
        case Failure.firstByteTimeout: return TransportError(.timeout, "upstream timed out before responding")
        case Failure.totalTimeout: return TransportError(.timeout, "upstream response did not end within the timeout")
        case Failure.bodyTooLarge(let limit): return TransportError(.bodyTooLarge, "upstream response exceeds \(limit) bytes")
        case Failure.closedBeforeResponse: return TransportError(.connect, "upstream closed the connection")
        case Failure.other(let error): return error is CancellationError ? error : TransportError(.other, "\(error)")
        default: return error
        }
    }
}
