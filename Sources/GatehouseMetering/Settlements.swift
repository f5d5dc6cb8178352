public import ServiceLifecycle
import Synchronization

/// The store work a model request leaves behind when it ends — settling its shared budget hold
/// and writing its spend, or giving back a hold taken for a request then refused — done by one
/// service instead of a task per request. Work is queued without waiting (a request's end, or
/// the `deinit` of one dropped without an outcome, never waits for the store), run in the order
/// given at most `concurrency` at a time, counted (`pending` is part of the spend queue that
/// admission holds to `spend_queue_limit`), finished at shutdown, and waited for by whoever
/// reads spend (`drain`).
public final class Settlements: Service, Sendable {
    public typealias Work = @Sendable () async -> Void

    private struct State {
        var submitted: UInt64 = 0
        var outstanding: Set<UInt64> = []
        /// Readers waiting for everything up to a ticket.
        var waiting: [(ticket: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let queue: AsyncStream<(UInt64, Work)>
    private let input: AsyncStream<(UInt64, Work)>.Continuation
    private let state = Mutex(State())
    let concurrency: Int

    public init(concurrency: Int = 16) {
        (queue, input) = AsyncStream.makeStream(of: (UInt64, Work).self)
        self.concurrency = concurrency
    }

    /// Queues work; it starts in the order given.
    public func submit(_ work: @escaping Work) {
        let ticket = state.withLock { state in
            state.submitted += 1
            state.outstanding.insert(state.submitted)
            return state.submitted
        }
        if case .terminated = input.yield((ticket, work)) {
            // Submitted after shutdown closed the queue (a straggler's deinit): run it anyway.
            Task { await self.perform(ticket, work) }
        }
    }

    /// Work queued or running.
    public var pending: Int { state.withLock { $0.outstanding.count } }

    /// Returns once everything submitted before the call is done.
    public func drain() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                let ticket = state.submitted
                guard state.outstanding.contains(where: { $0 <= ticket }) else { return true }
                state.waiting.append((ticket, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Runs the queue; at graceful shutdown (after the server let its requests end) the queue is
    /// closed and what it holds still runs before this returns.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await (ticket, work) in queue {
                    if running == concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await self.perform(ticket, work) }
                    running += 1
                }
            }
        } onGracefulShutdown: {
            self.input.finish()
        }
    }

    private func perform(_ ticket: UInt64, _ work: Work) async {
        await work()
        let satisfied = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.outstanding.remove(ticket)
            guard !state.waiting.isEmpty else { return [] }
            let oldest = state.outstanding.min() ?? .max
            let ready = state.waiting.filter { $0.ticket < oldest }
            state.waiting.removeAll { $0.ticket < oldest }
            return ready.map(\.continuation)
        }
        for continuation in satisfied { continuation.resume() }
    }
}
