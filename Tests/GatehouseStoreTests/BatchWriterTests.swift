import Logging
import Synchronization
import Testing

@testable import GatehouseStore

@Suite("Batch writer")
struct BatchWriterTests {
    /// Issue 19, point 7: `/global/spend` flushed the writer and read, but a periodic flush had
    /// just taken the last record and not yet written it: the second flush found nothing to do
    /// and the read missed it. A flush now waits for the write under way.
    @Test func aFlushWaitsForTheWriteUnderWay() async throws {
        let written = Mutex<[Int]>([])
        let writer = BatchWriter<Int>(name: "test", logger: Logger(label: "test")) { batch in
            try await Task.sleep(for: .milliseconds(300))
            written.withLock { $0 += batch }
        }
        writer.record(1)
        let periodic = Task { await writer.flush() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(writer.backlog == 0)
        #expect(await writer.flush())
        #expect(written.withLock { $0 } == [1])
        _ = await periodic.value
    }

    /// A service group cancels its services, without a graceful shutdown, when one fails: the
    /// writer then writes what is pending and returns, rather than loop on a sleep that ends at
    /// once (which kept a core busy until the process ended).
    @Test(.timeLimit(.minutes(1))) func aCancelledWriterWritesWhatIsPendingAndReturns() async throws {
        let written = Mutex<[Int]>([])
        let writer = BatchWriter<Int>(name: "test", interval: .seconds(60), logger: Logger(label: "test")) { batch in
            written.withLock { $0 += batch }
        }
        let running = Task { try await writer.run() }
        writer.record(1)
        writer.record(2)
        running.cancel()
        // Returns at all: before, it never did (the time limit above ends the test then).
        try await running.value
        #expect(written.withLock { $0 } == [1, 2])
        #expect(writer.backlog == 0)
    }

    /// A cancelled writer whose store keeps failing waits between its last attempts, as at a
    /// graceful shutdown. Before, run in the cancelled task, its waits ended at once and it retried
    /// in a tight loop until `finalAttemptSeconds` ran out: thousands of attempts in a second.
    @Test(.timeLimit(.minutes(1))) func aCancelledWriterWaitsBetweenItsLastAttempts() async throws {
        struct Unreachable: Error {}
        let attempts = Mutex(0)
        let writer = BatchWriter<Int>(name: "test", interval: .seconds(60), finalAttemptSeconds: 1, logger: Logger(label: "test")) { _ in
            attempts.withLock { $0 += 1 }
            throw Unreachable()
        }
        let running = Task { try await writer.run() }
        writer.record(1)
        running.cancel()
        try await running.value
        // Waits of 100, 200, 300 and 400 ms fit in the second: five attempts, a few more at most.
        #expect(attempts.withLock { $0 } <= 10)
        #expect(writer.backlog == 1)
    }
}
