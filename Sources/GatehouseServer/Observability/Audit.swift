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
            await streams.emit(try await store.append(events))
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
            writer.record(AuditEvent(action: .auditSuppressed, actor: "system", outcome: .failure, details: ["events": JSONValue(dropped)]))
        }
        writer.record(event)
    }
}

/// Copies of stored audit records, one JSON object per line, for log shippers and SIEMs.
struct AuditStreams: Sendable {
    var stdout = false
    var files: [LineSink] = []
    var webhook: Webhook?

    /// From `audit_streams`: `stdout`, file paths, or an http(s) URL.
    init(destinations: [String], logger: Logger) throws {
        for destination in destinations {
            if destination == "stdout" {
                stdout = true
            } else if destination.hasPrefix("http://") || destination.hasPrefix("https://") {
                webhook = Webhook(url: destination, name: "audit", logger: logger)
            } else {
                files.append(try LineSink(destination))
            }
        }
    }

    /// Files and stdout are written on the blocking-I/O pool, the webhook posted in the background.
    func emit(_ records: [AuditRecord]) async {
        guard !records.isEmpty, stdout || !files.isEmpty || webhook != nil else { return }
        let lines = records.map { record in
            var json = record.json
            json["type"] = "audit"
            return JSONCoding.encodeString(json)
        }
        let sinks = (stdout ? [LineSink.standardOutput] : []) + files
        if !sinks.isEmpty { await LineSink.offloaded { for sink in sinks { sink.append(lines) } } }
        webhook?.send(["audit": .array(records.map(\.json))])
    }
}
