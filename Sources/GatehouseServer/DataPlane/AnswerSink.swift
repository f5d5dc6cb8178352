import HTTPTypes
import Hummingbird
import NIOCore

/// Where the task answering a data-plane request writes its answer, on the connection's event
/// loop (where the task normally runs already; else each call hops there once). A body whose
/// length is known is gathered and written whole with its head (one flush); any other is streamed:
/// head and chunks are flushed at the end of the loop's pass that produced them, and the next
/// chunk is taken at once while the connection takes writes, else once the last one is on the
/// socket (back-pressure from a slow client reaches the upstream).
struct AnswerSink: Sendable {
    private struct Parts {
        let handler: DataPlaneHandler
        let context: ChannelHandlerContext
    }
    private let parts: NIOLoopBound<Parts>
    private let eventLoop: any EventLoop

    init(handler: DataPlaneHandler, context: ChannelHandlerContext) {
        parts = NIOLoopBound(Parts(handler: handler, context: context), eventLoop: context.eventLoop)
        eventLoop = context.eventLoop
    }

    /// The answer's `Date` field is written with its head (`HTTP1Framing`), not added to its fields.
    func send(_ response: consuming Response) async throws {
        let head = response.head
        if response.body.contentLength != nil {
            try await response.body.write(WholeBody(sink: self, head: head))
        } else {
            onLoop { $0.handler.writeHead(head, context: $0.context) }
            try await response.body.write(StreamedBody(sink: self))
        }
    }

    fileprivate func whole(_ head: HTTPResponse, body: ByteBuffer?) {
        onLoop { $0.handler.writeWhole(head, body: body, context: $0.context) }
    }

    fileprivate func chunk(_ buffer: ByteBuffer) async throws {
        try await written { $0.handler.writeBody(buffer, context: $0.context) }
    }

    fileprivate func end() {
        onLoop { $0.handler.writeEnd(context: $0.context) }
    }

    /// Closes the connection: the answer cannot be given.
    func abandon() {
        onLoop { $0.handler.abandon(context: $0.context) }
    }

    /// Runs `body` on the connection's loop: at once when the task is on it already (the usual
    /// case: a task started from an event loop stays on it), else as a job there.
    private func onLoop(_ body: @escaping @Sendable (Parts) -> Void) {
        if eventLoop.inEventLoop {
            body(parts.value)
        } else {
            eventLoop.execute { [parts] in body(parts.value) }
        }
    }

    /// Runs `write` on the connection's loop and waits for what it returns, if anything.
    private func written(_ write: @escaping @Sendable (Parts) -> EventLoopFuture<Void>?) async throws {
        if eventLoop.inEventLoop {
            try await write(parts.value)?.get()
        } else {
            try await eventLoop.flatSubmit { [parts, eventLoop] in write(parts.value) ?? eventLoop.makeSucceededVoidFuture() }.get()
        }
    }
}

/// Gathers a body of known length and writes it with its head when it is finished.
private struct WholeBody: ResponseBodyWriter {
    let sink: AnswerSink
    let head: HTTPResponse
    var body: ByteBuffer?

    init(sink: AnswerSink, head: HTTPResponse) {
        self.sink = sink
        self.head = head
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        if body == nil { body = buffer } else { body!.writeImmutableBuffer(buffer) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        sink.whole(head, body: body)
    }
}

/// Writes each chunk as it comes.
private struct StreamedBody: ResponseBodyWriter {
    let sink: AnswerSink

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await sink.chunk(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        sink.end()
    }
}
