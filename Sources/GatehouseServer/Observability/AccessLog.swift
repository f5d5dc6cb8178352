import Foundation
import GatehouseCore
import ServiceLifecycle
import Synchronization

/// One JSON line per request (`access_log`): when, the route it reached (never the raw path or
/// query, which may hold a key), status, latency, the client's address, the request id, the
/// principal's id and method, and for model requests the model, deployment, tokens and cost. A
/// stream's line is written when the stream ends, with what it used. Lines are written in
/// batches (every 200 ms, or 64 KiB), not one system call per request; what is buffered is
/// written at shutdown.
final class AccessLog: Service, Sendable {
    let sink: LineSink
    private let buffer = Mutex<[UInt8]>([])
    /// The current second formatted once (`2026-11-27T13:06:22.`): Foundation's ISO 8601
    /// formatting per line was most of the line's cost.
    private let second = Mutex<(epoch: Int, text: String)>((-1, ""))
    static let flushBytes = 64 * 1024

    init(sink: LineSink) {
        self.sink = sink
    }

    func write(_ fields: AccessNote.Fields, status: Int, duration: Duration) {
        var line = JSONWriter(capacity: 512)
        line.raw(#"{"type":"access","time":"#)
        line.string(timestamp(fields.time))
        line.raw(#","method":"#)
        line.string(fields.httpMethod)
        line.raw(#","route":"#)
        line.string(fields.route ?? "unmatched")
        line.raw(#","status":"#)
        line.integer(status)
        line.raw(#","duration_ms":"#)
        line.decimal(Self.microseconds(duration), scale: 3)
        if let address = fields.address {
            line.raw(#","address":"#)
            line.string(address)
        }
        if let principal = fields.principal {
            line.raw(#","principal":"#)
            line.string(principal)
        }
        if let method = fields.authMethod {
            line.raw(#","auth_method":"#)
            line.string(method)
        }
        if let model = fields.model {
            if let requestID = fields.requestID {
                line.raw(#","request_id":"#)
                line.string(requestID)
            }
            line.raw(#","model":"#)
            line.string(model)
            if let deployment = fields.deployment {
                line.raw(#","deployment":"#)
                line.string(deployment)
            }
            line.raw(#","prompt_tokens":"#)
            line.integer(fields.promptTokens)
            line.raw(#","completion_tokens":"#)
            line.integer(fields.completionTokens)
            line.raw(#","cost":"#)
            line.string(fields.cost.description)
            line.raw(fields.stream ? #","stream":true"# : #","stream":false"#)
            if let upstream = fields.upstream {
                line.raw(#","upstream_ms":"#)
                line.decimal(Self.microseconds(upstream), scale: 3)
            }
        }
        line.raw("}\n")
        let full = buffer.withLock { buffer in
            buffer.append(contentsOf: line.bytes)
            guard buffer.count >= Self.flushBytes else { return [UInt8]?.none }
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if let full { sink.write(full) }
    }

    /// Writes what is buffered.
    func flush() {
        let pending = buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !pending.isEmpty { sink.write(pending) }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            flush()
        }
        flush()
    }

    /// ISO 8601 in UTC with milliseconds.
    func timestamp(_ date: Date) -> String {
        let milliseconds = Int(saturating: (date.timeIntervalSince1970 * 1000).rounded(.down))
        let epoch = milliseconds / 1000
        let prefix = second.withLock { second in
            if second.epoch != epoch {
                let text = Date(timeIntervalSince1970: Double(epoch)).formatted(Date.ISO8601FormatStyle())
                second = (epoch, String(text.dropLast()) + ".")  // "…:22Z" → "…:22."
            }
            return second.text
        }
        let fraction = milliseconds % 1000
        return prefix + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + String(fraction) + "Z"
    }

    /// Whole microseconds (written as milliseconds with three decimals).
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}

/// What a request's access line will say, filled in as the request goes (only allocated when
/// the access log is on).
final class AccessNote: Sendable {
    struct Fields: Sendable {
        var time = Date()
        var httpMethod: String
        var route: String?
        var address: String?
        var principal: String?
        var authMethod: String?
        var requestID: String?
        var model: String?
        var deployment: String?
        var promptTokens = 0
        var completionTokens = 0
        var cost = USD.zero
        var stream = false
        var upstream: Duration?
        /// A model request writes its own line when it ends (a stream, after the response head).
        var deferred = false
    }

    let log: AccessLog
    let start = ContinuousClock.now
    private let fields: Mutex<Fields>

    init(log: AccessLog, fields: Fields) {
        self.log = log
        self.fields = Mutex(fields)
    }

    func update(_ change: (inout Fields) -> Void) { fields.withLock { change(&$0) } }

    /// Writes the line now unless a model request will write it when it ends.
    func requestAnswered(status: Int) {
        let fields = self.fields.withLock { $0 }
        guard !fields.deferred else { return }
        log.write(fields, status: status, duration: .now - start)
    }

    /// A model request ended (its stream included).
    func modelRequestEnded(status: Int) {
        log.write(fields.withLock { $0 }, status: status, duration: .now - start)
    }
}
