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
}
