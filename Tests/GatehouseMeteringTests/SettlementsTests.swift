import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import GatehouseMetering

@Suite("Settlements")
struct SettlementsTests {
    /// Runs the service while `body` runs, then shuts it down gracefully and waits for it.
    static func running(_ settlements: Settlements, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [settlements], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func drainWaitsForEverySettlementSubmittedBeforeIt() async throws {
        let settlements = Settlements(concurrency: 4)
        let done = Atomic(0)
        try await Self.running(settlements) {
            for _ in 0..<40 {
                settlements.submit {
                    try? await Task.sleep(for: .milliseconds(5))
                    done.add(1, ordering: .relaxed)
                }
            }
            #expect(settlements.pending > 0)
            await settlements.drain()
            #expect(done.load(ordering: .relaxed) == 40 && settlements.pending == 0)
            await settlements.drain()  // nothing pending: returns at once
        }
    }

    @Test func shutdownFinishesWhatIsQueued() async throws {
        let settlements = Settlements(concurrency: 2)
        let done = Atomic(0)
        try await Self.running(settlements) {
            for _ in 0..<10 {
                settlements.submit {
                    try? await Task.sleep(for: .milliseconds(10))
                    done.add(1, ordering: .relaxed)
                }
            }
        }
        // The service returned only after the queue was empty.
        #expect(done.load(ordering: .relaxed) == 10 && settlements.pending == 0)
    }
}
