import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// Every live Gatehouse a test starts is scanned when it has shut down: its log lines (info and
/// up), its whole audit trail (streamed to a file) and its metrics exposition (read in-process),
/// whatever listeners it had, and the body of every error response the test received must hold
/// nothing shaped like a credential — Gatehouse keys, upstream keys, JWTs,
/// OAuth client secrets, session secrets. Display forms (`sk-…abcd`) do not match.
enum SecretScan {
    static let shapes = [
        #"sk-[A-Za-z0-9-]{16,}"#, #"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"#, #"ghs_[A-Za-z0-9]{16,}"#,
        #"gsess-[A-Za-z0-9_-]{16,}"#,
    ]
    .map { try! NSRegularExpression(pattern: $0) }

    static func leaks(in text: String) -> [String] {
        let range = NSRange(text.startIndex..., in: text)
        return shapes.flatMap { shape in
            shape.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0].prefix(12)) + "…" } }
        }
    }

    /// Scans each text, named by where it came from.
    static func check(_ texts: [String: String]) {
        for (source, text) in texts {
            let found = leaks(in: text)
            #expect(found.isEmpty, "credentials in \(source): \(found)")
        }
    }
}

/// The bodies of the error responses a test received.
final class ErrorBodies: Sendable {
    private let bodies = Mutex<[String]>([])
    var all: [String] { bodies.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }
    func keep(_ body: String) { bodies.withLock { $0.append(body) } }
}

/// The test's client, keeping the body of every error response for the scan.
struct ScanningClient: TestClientProtocol {
    let inner: any TestClientProtocol
    let errorBodies: ErrorBodies
    var port: Int? { inner.port }

    init(_ inner: any TestClientProtocol, keeping errorBodies: ErrorBodies) {
        self.inner = inner
        self.errorBodies = errorBodies
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
        if response.status.code >= 400 { errorBodies.keep(String(buffer: response.body)) }
        return response
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
        let text =
            "a \(TestKeys.master) b \(TestKeys.upstream) c eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl d ghs_0123456789abcdefXYZ"
            + " e gsess-AbCdEfGhIjKlMnOpQrSt_-0123456789"
        #expect(SecretScan.leaks(in: text).count == 5)
        #expect(SecretScan.leaks(in: "sk-…abcd key_16e60f2cf62bb2ce617d30da sk-wrong client:abc").isEmpty)
    }

    @Test func theClientKeepsErrorBodiesForTheScan() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let scanning = try #require(client as? ScanningClient)
            let refused = try await client.get("/v1/models", headers: bearer("sk-not-a-key-at-all-0123456789"))
            #expect(refused.status == .unauthorized && scanning.errorBodies.all == [refused.text])
            #expect(try await client.get("/v1/models").status == .ok && scanning.errorBodies.all.count == 1)
        }
    }
}
