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
        var checking = false
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
        let cached = state.withLock { state -> Status?? in
            if let at = state.checkedAt, now - at < .seconds(1), let last = state.last { return .some(last) }
            // Another probe is asking the store: answer as it last answered.
            if state.checking { return .some(state.last) }
            state.checking = true
            return .none
        }
        if case .some(let known) = cached, let known { return known }
        if case .some(nil) = cached { return .connected }
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
            state.checking = false
        }
        return status
    }
}
