import GatehouseCore
import Synchronization
import Testing

@Suite("Deadlines")
struct DeadlineTests {
    @Test func aFastOperationReturnsItsValue() async throws {
        #expect(try await withDeadline(seconds: 5) { 42 } == 42)
        await #expect(throws: CancellationError.self) {
            _ = try await withDeadline(seconds: 5) { () async throws -> Int in throw CancellationError() }
        }
    }

    @Test func anOperationThatIgnoresCancellationDoesNotHoldTheCallerPastTheDeadline() async throws {
        let lateValues = Mutex<[Int]>([])
        let gate = Gate()
        let handedBack = Gate()
        // Open only when the test opens them (or after 30 s, so that a broken deadline fails the
        // test rather than hanging it): waiting for the operation would take 30 s.
        Task.detached {
            try? await Task.sleep(for: .seconds(30))
            gate.open()
            handedBack.open()
        }
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            _ = try await withDeadline(
                seconds: 0.1,
                {
                    await gate.wait()
                    return 7
                },
                late: { value in
                    lateValues.withLock { $0.append(value) }
                    handedBack.open()
                })
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        gate.open()
        // What it produced after the deadline is handed over to be given back.
        await handedBack.wait()
        #expect(lateValues.withLock { $0 } == [7])
    }
}

/// Waiters resume when it opens, and not before: no cancellation point.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            defer { state = (true, []) }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
