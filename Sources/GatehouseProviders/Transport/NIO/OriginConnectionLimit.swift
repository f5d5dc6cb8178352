import NIOCore
import Synchronization

/// Bounds the connections open to each upstream origin (`upstream_max_connections_per_origin`),
/// across event loops: an upstream is never opened more connections than it was sized for, and a
/// request past the bound waits — first come, first served — for a connection another request
/// hands back or for one to close, up to the connect timeout (then it fails as a connection
/// error, which the router retries elsewhere).
final class OriginConnectionLimit: Sendable {
    /// What a waiting request is given.
    enum Grant: Sendable {
        /// A place: it may open a new connection.
        case open
        /// A kept-alive connection another request just finished with.
        case reuse(any Channel)
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var open: [UpstreamTarget.Origin: Int] = [:]
        var waiting: [UpstreamTarget.Origin: [Waiter]] = [:]
        var nextID: UInt64 = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place for a new connection if the origin is under its bound.
    func tryOpen(_ origin: UpstreamTarget.Origin) -> Bool {
        state.withLock { state in
            let open = state.open[origin, default: 0]
            guard open < limit else { return false }
            state.open[origin] = open + 1
            return true
        }
    }

    /// Waits for a place or a connection, at most `timeout`.
    func wait(for origin: UpstreamTarget.Origin, timeout: TimeAmount, on loop: any EventLoop) async throws -> Grant {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                // Made a place, or handed a connection, while this request was getting ready.
                let granted = state.withLock { state -> Bool in
                    let open = state.open[origin, default: 0]
                    guard open >= limit else {
                        state.open[origin] = open + 1
                        return true
                    }
                    state.waiting[origin, default: []].append(Waiter(id: id, continuation: continuation))
                    return false
                }
                if granted { return continuation.resume(returning: .open) }
                loop.scheduleTask(in: timeout) {
                    self.abandon(id, of: origin)?.resume(
                        throwing: TransportError(.connect, "upstream connection limit (\(self.limit)) reached; no connection freed in time"))
                }
            }
        } onCancel: {
            abandon(id, of: origin)?.resume(throwing: CancellationError())
        }
    }

    /// Hands a connection that finished its exchange to the first request waiting for the
    /// origin. - Returns: false when nobody waits (the caller keeps it for later).
    func handOver(_ channel: any Channel, origin: UpstreamTarget.Origin) -> Bool {
        guard let waiter = state.withLock({ $0.waiting[origin]?.isEmpty == false ? $0.waiting[origin]!.removeFirst() : nil }) else {
            return false
        }
        waiter.continuation.resume(returning: .reuse(channel))
        return true
    }

    /// A connection to the origin closed (or failed to open): its place goes to the first
    /// request waiting, else it is freed.
    func closed(_ origin: UpstreamTarget.Origin) {
        let waiter = state.withLock { state -> Waiter? in
            if state.waiting[origin]?.isEmpty == false { return state.waiting[origin]!.removeFirst() }
            state.open[origin] = max(0, state.open[origin, default: 0] - 1)
            return nil
        }
        waiter?.continuation.resume(returning: .open)
    }

    /// Removes a waiter that gave up; nil when it was served first.
    private func abandon(_ id: UInt64, of origin: UpstreamTarget.Origin) -> CheckedContinuation<Grant, any Error>? {
        state.withLock { state in
            guard let index = state.waiting[origin]?.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiting[origin]!.remove(at: index).continuation
        }
    }
}
