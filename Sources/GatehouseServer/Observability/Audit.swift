import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import Synchronization

/// Where audit events go: appended to the store's hash chain in batches, off the request path,
/// then copied as JSON lines to the configured streams (stdout, a file, a webhook for a SIEM).
/// A flood (failures by the thousand) is bounded: past `capacity` waiting events, further ones
/// are counted, and one `audit.suppressed` record says how many.
final class Audit: Sendable {
    let writer: BatchWriter<AuditEvent>
    let streams: AuditStreams
    let capacity: Int
    private let suppressed = Mutex(0)

    init(store: AuditStore, streams: AuditStreams, interval: Duration, capacity: Int = 100_000, logger: Logger) {
        writer = BatchWriter(name: "audit records", interval: interval, logger: logger) { events in
            streams.emit(try await store.append(events))
        }
        self.streams = streams
        self.capacity = capacity
    }

    func record(_ event: AuditEvent) {
        guard writer.backlog < capacity else {
            suppressed.withLock { $0 += 1 }
            return
        }
        let dropped = suppressed.withLock { count in
            defer { count = 0 }
            return count
        }
        if dropped > 0 {
            writer.record(AuditEvent(action: "audit.suppressed", actor: "system", outcome: .failure, details: ["events": JSONValue(dropped)]))
        }
        writer.record(event)
    }
}

/// Copies of stored audit records, one JSON object per line, for log shippers and SIEMs.
struct AuditStreams: Sendable {
    var stdout = false
    var file: FileLines?
    var webhook: Webhook?

    /// From `audit_streams`: `stdout`, a file path, or an http(s) URL.
    init(destinations: [String], logger: Logger) throws {
        for destination in destinations {
            if destination == "stdout" {
                stdout = true
            } else if destination.hasPrefix("http://") || destination.hasPrefix("https://") {
                webhook = Webhook(url: destination, name: "audit", logger: logger)
            } else {
                file = try FileLines(path: destination)
            }
        }
    }

    func emit(_ records: [AuditRecord]) {
        guard !records.isEmpty, stdout || file != nil || webhook != nil else { return }
        let lines = records.map { record in
            var json = record.json
            json["type"] = "audit"
            return JSONCoding.encodeString(json)
        }
        if stdout { print(lines.joined(separator: "\n")) }
        file?.append(lines)
        webhook?.send(["audit": .array(records.map(\.json))])
    }
}

/// A file that lines are appended to (created if missing, never truncated).
final class FileLines: Sendable {
    private let handle: Mutex<FileHandle>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw GatewayError.invalidRequest("Cannot create the audit file \(path).")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw GatewayError.invalidRequest("Cannot write the audit file \(path).") }
        handle.seekToEndOfFile()
        self.handle = Mutex(handle)
    }

    func append(_ lines: [String]) {
        let bytes = Data((lines.joined(separator: "\n") + "\n").utf8)
        handle.withLock { $0.write(bytes) }
    }
}
