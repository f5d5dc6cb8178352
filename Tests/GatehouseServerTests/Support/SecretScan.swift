import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// Every live Gatehouse a test starts is scanned when its test ends: its log lines (info and up),
/// its audit trail and its metrics exposition must hold nothing shaped like a credential —
/// Gatehouse keys, upstream keys, JWTs, OAuth client secrets. Display forms (`sk-…abcd`) do not
/// match.
enum SecretScan {
    static let shapes = [#"sk-[A-Za-z0-9-]{16,}"#, #"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"#, #"ghs_[A-Za-z0-9]{16,}"#]
        .map { try! NSRegularExpression(pattern: $0) }

    static func leaks(in text: String) -> [String] {
        let range = NSRange(text.startIndex..., in: text)
        return shapes.flatMap { shape in
            shape.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0].prefix(12)) + "…" } }
        }
    }

    /// Scans what the application logged and, where the test's client can read them, its audit
    /// trail and metrics (a test over HTTPS, or that moved management elsewhere or restricted it,
    /// is scanned for logs only).
    static func check(_ client: any TestClientProtocol, logs: LogCapture) async throws {
        var texts = ["logs": logs.text]
        for path in ["/audit?page_size=100", "/metrics"] {
            // Over HTTPS, or on a connection the test ended, the test's client cannot ask.
            guard let response = try? await client.execute(uri: path, method: .get, headers: bearer(TestKeys.master), body: nil, testCallback: { $0 })
            else { continue }
            if response.status == .ok { texts[path] = String(buffer: response.body) }
        }
        for (source, text) in texts {
            let found = leaks(in: text)
            #expect(found.isEmpty, "credentials in \(source): \(found)")
        }
    }
}

/// A log handler that keeps every line at info and up for the scan, and prints warnings and up
/// as the tests' logger always did.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(label: String) -> Logger {
        Logger(label: label) { label in Handler(label: label, capture: self) }
    }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let line = "\(event.level) \(label): \(event.message) \(all)"
            capture.lines.withLock { $0.append(line) }
            if event.level >= .warning { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }
}

@Suite("The secret scan itself")
struct SecretScanTests {
    @Test func itFindsCredentialShapesAndNotDisplayForms() {
        let text = "a \(TestKeys.master) b \(TestKeys.upstream) c eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl d ghs_0123456789abcdefXYZ"
        #expect(SecretScan.leaks(in: text).count == 4)
        #expect(SecretScan.leaks(in: "sk-…abcd key_16e60f2cf62bb2ce617d30da sk-wrong client:abc").isEmpty)
    }
}
