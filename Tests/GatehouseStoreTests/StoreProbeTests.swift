import GatehouseStore
import SQLKit
import Synchronization
import Testing

/// The readiness probe's answer: the store's, never a guess, however many ask at once.
@Suite("Store probe")
struct StoreProbeTests {
    /// A store that takes a while to refuse, counting how often it is asked.
    final class Unreachable: SQLConnectionSource {
        let asked = Atomic(0)

        func withDatabase<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
            asked.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(200))
            throw CancellationError()
        }

        func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
            try await withDatabase(body)
        }
    }

    @Test func callersDuringTheFirstCheckWaitForItsAnswer() async {
        let source = Unreachable()
        let probe = StoreProbe(source: source)
        let answers = await withTaskGroup(of: StoreProbe.Status.self) { group in
            for _ in 0..<20 { group.addTask { await probe.status() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 20 && answers.allSatisfy { $0 == .disconnected })
        #expect(source.asked.load(ordering: .relaxed) == 1)
    }
}
