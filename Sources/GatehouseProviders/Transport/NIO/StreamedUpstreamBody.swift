import NIOCore

/// A streamed upstream body, passed from the connection's handler, on its event loop, to the task
/// that reads it: the chunks that have arrived and not been read, how the body ended, and the
/// task waiting for the next chunk.
///
/// Why not NIO's `NIOThrowingAsyncSequenceProducer`: the two sides normally run on the same loop
/// (the transport takes the loop of the task that calls it), and that sequence, made for any two
/// threads, takes a lock for each chunk, each read and the end, reaches its consumer's going away
/// and its demand through jobs on the loop, and as a generic type from another module looks up
/// its metadata at run time. Here the state is touched on the loop only: a read on the loop with
/// a chunk at hand returns it without suspending; a read from elsewhere (tests, a task on another
/// executor) waits for a job on the loop, which is correct, only slower.
///
/// Back-pressure as before: the handler stops reading from the socket once `highWatermark` chunks
/// wait unread, and reads again once the reader has brought them down to `lowWatermark`.
final class StreamedUpstreamBody: @unchecked Sendable {
    // Every `var` below is read and written on `eventLoop` only.
    private var chunks = CircularBuffer<ByteBuffer>(initialCapacity: 2)
    private var waiting: UnsafeContinuation<ByteBuffer?, any Error>?
    private var end: End?
    /// Whether the handler was told to stop reading (see `yield`).
    private var paused = false
    private let handler: UpstreamConnectionHandler
    private let exchange: UInt64
    let eventLoop: any EventLoop

    static let highWatermark = 8
    static let lowWatermark = 2

    private enum End {
        case finished
        case failed(any Error)
        /// The reader went away or was cancelled first: nothing more is read.
        case abandoned
    }

    /// Made on the loop, for the handler's exchange `exchange`.
    init(handler: UpstreamConnectionHandler, exchange: UInt64, eventLoop: any EventLoop) {
        self.handler = handler
        self.exchange = exchange
        self.eventLoop = eventLoop
    }

    // MARK: The handler's side (on the loop)

    /// A chunk has arrived. - Returns: whether the handler should go on reading.
    func yield(_ chunk: ByteBuffer) -> Bool {
        guard end == nil else { return false }
        if let waiting {
            self.waiting = nil
            waiting.resume(returning: chunk)
            return true
        }
        chunks.append(chunk)
        paused = chunks.count >= Self.highWatermark
        return !paused
    }

    /// The body has ended: at its end (`error` nil) or with `error`.
    func finish(_ error: (any Error)? = nil) {
        guard end == nil else { return }
        end = error.map { .failed($0) } ?? .finished
        guard let waiting else { return }
        self.waiting = nil
        if let error { waiting.resume(throwing: error) } else { waiting.resume(returning: nil) }
    }

    // MARK: The reader's side

    /// The next chunk, or nil at the end. - Throws: how the body failed; `CancellationError`
    /// when the reading task is cancelled (which ends the upstream request).
    func next() async throws -> ByteBuffer? {
        if eventLoop.inEventLoop, let now = try take() { return now }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if eventLoop.inEventLoop {
                    wait(continuation)
                } else {
                    eventLoop.execute { self.wait(continuation) }
                }
            }
        } onCancel: {
            eventLoop.execute { self.abandon(throwing: CancellationError()) }
        }
    }

    /// On the loop: what a read gets now — a chunk, or nil at the end (`.some(nil)`) — or nil
    /// when it must wait.
    private func take() throws -> ByteBuffer?? {
        if let chunk = chunks.popFirst() {
            if paused, chunks.count <= Self.lowWatermark {
                paused = false
                handler.resumeReading(exchange: exchange)
            }
            return .some(chunk)
        }
        switch end {
        case nil: return nil
        case .finished?: return .some(nil)
        case .failed(let error)?: throw error
        case .abandoned?: throw CancellationError()
        }
    }

    private func wait(_ continuation: UnsafeContinuation<ByteBuffer?, any Error>) {
        do {
            if let now = try take() {
                continuation.resume(returning: now)
            } else {
                waiting = continuation
            }
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// On the loop: the reader is gone or cancelled before the end. The upstream request is
    /// ended (its connection closed) and a waiting read gets `error`.
    private func abandon(throwing error: any Error) {
        let open = end == nil
        // Even after the end: a read that follows gets the error, not an end it did not reach.
        // Marked before the handler hears of it, so the failure it reports back is not taken
        // for the body's.
        end = .abandoned
        chunks.removeAll()
        if open { handler.abandon(exchange: exchange) }
        guard let waiting else { return }
        self.waiting = nil
        waiting.resume(throwing: error)
    }

    /// Held by the body's sequence and its iterators, and by nothing on the handler's side: when
    /// the last of them goes, the reader has gone, and a body not read to its end is abandoned.
    final class Reader: Sendable {
        let body: StreamedUpstreamBody

        init(_ body: StreamedUpstreamBody) {
            self.body = body
        }

        deinit {
            let body = body
            if body.eventLoop.inEventLoop {
                body.abandon(throwing: CancellationError())
            } else {
                body.eventLoop.execute { body.abandon(throwing: CancellationError()) }
            }
        }
    }
}
