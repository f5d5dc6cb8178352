import HTTPTypes
import Hummingbird
import NIOCore

/// Where the task answering a data-plane request writes its answer: each call hops once to the
/// connection's event loop. A body whose length is known is gathered and written whole with its
/// head (one hop, one flush); any other is streamed, its head at once and each chunk written to
/// the socket before the next is taken (back-pressure from a slow client reaches the upstream).
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

    func send(_ response: Response) async throws {
        let head = response.head
        if response.body.contentLength != nil {
            try await response.body.write(WholeBody(sink: self, head: head))
        } else {
            try await eventLoop.flatSubmit { [parts] in parts.value.handler.writeHead(head, context: parts.value.context) }.get()
            try await response.body.write(StreamedBody(sink: self))
        }
    }

    fileprivate func whole(_ head: HTTPResponse, body: ByteBuffer?) {
        eventLoop.execute { [parts] in parts.value.handler.writeWhole(head, body: body, context: parts.value.context) }
    }

    fileprivate func chunk(_ buffer: ByteBuffer) async throws {
        try await eventLoop.flatSubmit { [parts] in parts.value.handler.writeBody(buffer, context: parts.value.context) }.get()
    }

    fileprivate func end() {
        eventLoop.execute { [parts] in parts.value.handler.writeEnd(context: parts.value.context) }
    }

    /// Closes the connection: the answer cannot be given.
    func abandon() {
        eventLoop.execute { [parts] in parts.value.handler.abandon(context: parts.value.context) }
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
