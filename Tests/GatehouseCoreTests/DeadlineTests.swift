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
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            _ = try await withDeadline(
                seconds: 0.1,
                {
                    // Waits 3 s whatever happens: no cancellation point.
                    await withCheckedContinuation { continuation in
                        Task.detached {
                            try? await Task.sleep(for: .seconds(3))
                            continuation.resume()
                        }
                    }
                    return 7
                }, late: { value in lateValues.withLock { $0.append(value) } })
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        // What it produced after the deadline is handed over to be given back.
        for _ in 0..<100 where lateValues.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(lateValues.withLock { $0 } == [7])
    }
}
