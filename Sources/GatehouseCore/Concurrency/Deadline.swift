import Synchronization

/// The operation did not finish in time.
public struct DeadlineExceeded: Error {
    public init() {}
}

/// Runs `operation`, giving up after `seconds`: the caller gets `DeadlineExceeded` then, even if
/// the operation ignores cancellation (a connection pool waiting for a database that is gone). The
/// operation is cancelled and left to end on its own; a result it still produces afterwards is
/// handed to `late` (to give back what it took).
public func withDeadline<T: Sendable>(
    seconds: Double, _ operation: @escaping @Sendable () async throws -> T, late: (@Sendable (T) async -> Void)? = nil
) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.wait(continuation)
        outcome.track(
            Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await operation())
                } catch {
                    result = .failure(error)
                }
                if !outcome.finish(result), case .success(let value) = result { await late?(value) }
            })
        outcome.track(
            Task {
                try? await Task.sleep(for: .milliseconds(Int(saturating: seconds * 1000)))
                _ = outcome.finish(.failure(DeadlineExceeded()))
            })
    }
}

/// Resumes a continuation with whichever result comes first, and then cancels the other racer
/// (the operation past its deadline, or the timer once the operation is done).
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var racers: [Task<Void, Never>] = []
        var done = false
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func track(_ racer: Task<Void, Never>) {
        let finished = state.withLock { state in
            if !state.done { state.racers.append(racer) }
            return state.done
        }
        if finished { racer.cancel() }
    }

    /// - Returns: whether this result was the first.
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (waiting, racers) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !state.done else { return (nil, []) }
            state.done = true
            defer { (state.continuation, state.racers) = (nil, []) }
            return (state.continuation, state.racers)
        }
        guard let waiting else { return false }
        waiting.resume(with: result)
        for racer in racers { racer.cancel() }
        return true
    }
}
