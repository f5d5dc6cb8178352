import GatehouseCore
import SQLKit
import Synchronization

/// Whether the store answers, for the readiness probe: one `SELECT 1` at most a second however
/// often load balancers ask (the probe needs no credential), given up after `timeout`.
public final class StoreProbe: Sendable {
    public enum Status: String, Sendable {
        case connected, disconnected
        /// The store did not answer within the timeout.
        case stalled
    }

    private struct State {
        var last: Status?
        var checkedAt: ContinuousClock.Instant?
        /// The check under way: callers meanwhile wait for its answer rather than guess one.
        var running: Task<Status, Never>?
    }

    private let source: any SQLConnectionSource
    private let timeout: Double
    private let state = Mutex(State())

    public init(source: any SQLConnectionSource, timeout: Double = 2) {
        self.source = source
        self.timeout = timeout
    }

    public func status() async -> Status {
        let now = ContinuousClock.now
        enum Next {
            case known(Status)
            case wait(Task<Status, Never>)
        }
        let next = state.withLock { state -> Next in
            if let at = state.checkedAt, now - at < .seconds(1), let last = state.last { return .known(last) }
            if let running = state.running { return .wait(running) }
            let task = Task { await self.check() }
            state.running = task
            return .wait(task)
        }
        switch next {
        case .known(let status): return status
        case .wait(let task): return await task.value
        }
    }

    private func check() async -> Status {
        let status: Status
        do {
            try await withDeadline(seconds: timeout) { [source] in
                try await source.withDatabase { database in _ = try await database.raw("SELECT 1").all() }
            }
            status = .connected
        } catch is DeadlineExceeded {
            status = .stalled
        } catch {
            status = .disconnected
        }
        state.withLock { state in
            state.last = status
            state.checkedAt = .now
            state.running = nil
        }
        return status
    }
}
