import NIOCore

/// The data-plane requests of one connection, handed from its event loop to the one task that
/// answers them in turn for as long as the connection lives.
///
/// Why one task a connection and not one a request: a task's async frames live in slabs of about
/// a kilobyte that it allocates as its calls deepen and frees only when it ends. A request's
/// calls (router, middleware, authentication, admission, the exchange) need many of them, so a
/// task per request cost about nineteen `malloc`s and `free`s a request (measured with
/// `bench/profile bench counts`), besides creating and destroying the task. A task that lives on
/// keeps its slabs, a few kilobytes a connection; each request then costs a continuation's
/// resumption instead. (Hummingbird's server answers its own requests the same way, with a task
/// a connection.)
///
/// - `Job`: a request and what answers it (`DataPlane.Job`).
final class RequestQueue<Job: Sendable>: Sendable {
    private final class State {
        var waiting: UnsafeContinuation<Job?, Never>?
        var queued = CircularBuffer<Job>()
        var closed = false
    }

    private let state: NIOLoopBound<State>
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.state = NIOLoopBound(State(), eventLoop: eventLoop)
        self.eventLoop = eventLoop
    }

    /// On the loop: hands `job` to the task, at once if it is waiting for one.
    func put(_ job: consuming Job) {
        let state = state.value
        guard !state.closed else { return }
        if let waiting = state.waiting {
            state.waiting = nil
            waiting.resume(returning: job)
        } else {
            state.queued.append(job)
        }
    }

    /// On the loop: the connection has closed. A request not yet taken is dropped, and the task
    /// ends once it asks for the next.
    func close() {
        let state = state.value
        state.closed = true
        state.queued.removeAll()
        state.waiting?.resume(returning: nil)
        state.waiting = nil
    }

    /// From the task: the next request, or nil once the connection has closed. The task runs on
    /// the connection's loop (its preferred executor), so this normally takes no hop.
    func next() async -> Job? {
        await withUnsafeContinuation { continuation in
            if eventLoop.inEventLoop {
                take(continuation)
            } else {
                eventLoop.execute { self.take(continuation) }
            }
        }
    }

    private func take(_ continuation: UnsafeContinuation<Job?, Never>) {
        let state = state.value
        if !state.queued.isEmpty {
            continuation.resume(returning: state.queued.removeFirst())
        } else if state.closed {
            continuation.resume(returning: nil)
        } else {
            state.waiting = continuation
        }
    }
}
