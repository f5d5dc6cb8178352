import Foundation
import Testing

@testable import GatehouseServer

/// The access log is written by its service on NIO's blocking-I/O pool, never by the request
/// that makes a line: a full batch only wakes the service.
@Suite("Access log writes")
struct AccessLogWriterTests {
    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-access-\(UUID().uuidString).jsonl").path
    }

    static func lines(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    static func line(_ log: AccessLog, _ index: Int) {
        var fields = AccessNote.Fields(httpMethod: "POST")
        fields.route = "/v1/chat/completions"
        fields.principal = "key:\(index)"
        log.write(fields, status: 200, duration: .milliseconds(3))
    }

    @Test func aRequestNeverWritesTheLogItself() async throws {
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = AccessLog(sink: try LineSink(path))
        // Far past a batch (64 KiB): the requests only buffer and wake the service.
        for index in 0..<2000 { Self.line(log, index) }
        #expect(Self.lines(path) == 0)
        await log.flush()
        #expect(Self.lines(path) == 2000)
    }

    @Test func theServiceWritesBatchesAndWhatIsLeftAtShutdown() async throws {
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = AccessLog(sink: try LineSink(path))
        try await withRunningService(log) {
            for index in 0..<2000 { Self.line(log, index) }
            // A full batch is written without waiting for the timer or shutdown.
            // Generous: under the full suite on two cores a task can wait seconds for its turn.
            #expect(await eventually(timeout: .seconds(30)) { Self.lines(path) >= 300 })
            Self.line(log, 2000)
        }
        #expect(Self.lines(path) == 2001)
    }
}
