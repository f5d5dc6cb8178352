import Foundation
import GatehouseCore
import GatehouseMetering
import ServiceLifecycle
import Synchronization

/// One JSON line per request (`access_log`): when, the route it reached (never the raw path or
/// query, which may hold a key), status, latency, the client's address, the request id, the
/// principal's id and method, and for model requests the model, deployment, tokens and cost. A
/// stream's line is written when the stream ends, with what it used. Lines are written in
/// batches (every 200 ms, or as soon as 64 KiB wait), not one system call per request, and never
/// by the request: the service writes them on NIO's thread pool for blocking I/O, so a slow disk
/// holds no event loop. Past 16 MiB waiting (the disk has stalled) lines are dropped and counted
/// in an `access_log_dropped` line. What is buffered is written at shutdown.
final class AccessLog: Service, Sendable {
    let sink: LineSink
    private let buffer = Mutex<(bytes: [UInt8], dropped: Int)>(([], 0))
    /// Tells the service that a batch is ready before its timer does.
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// The current second formatted once (`2026-11-27T13:06:22.`): Foundation's ISO 8601
    /// formatting per line was most of the line's cost.
    private let second = Mutex<(epoch: Int, text: String)>((-1, ""))
    static let flushBytes = 64 * 1024
    static let maxBufferedBytes = 16 * 1024 * 1024

    init(sink: LineSink) {
        self.sink = sink
        (wakes, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
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
            guard buffer.bytes.count < Self.maxBufferedBytes else {
                buffer.dropped += 1
                return false
            }
            buffer.bytes.append(contentsOf: line.bytes)
            return buffer.bytes.count >= Self.flushBytes
        }
        if full { wake.yield() }
    }

    /// Takes what is buffered (and a line counting what was dropped).
    func take() -> [UInt8] {
        buffer.withLock { buffer in
            var bytes = buffer.bytes
            if buffer.dropped > 0 {
                bytes += Array(#"{"type":"access_log_dropped","lines":\#(buffer.dropped)}"#.utf8) + [10]
                buffer.dropped = 0
            }
            buffer.bytes.removeAll(keepingCapacity: true)
            return bytes
        }
    }

    /// Writes what is buffered, on the thread pool for blocking I/O.
    func flush() async {
        let pending = take()
        guard !pending.isEmpty else { return }
        await LineSink.offloaded { [sink] in sink.write(pending) }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    self.wake.yield()
                }
            }
            await withGracefulShutdownHandler {
                for await _ in self.wakes { await self.flush() }
            } onGracefulShutdown: {
                self.wake.finish()
            }
            group.cancelAll()
        }
        await flush()
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

extension AccessNote: MeteringNote {
    func admitted(requestID: String, model: String, stream: Bool) {
        update { fields in
            fields.deferred = true
            fields.requestID = requestID
            fields.model = model
            fields.stream = stream
        }
    }

    func billed(deployment: String?, promptTokens: Int, completionTokens: Int, cost: USD, status: Int) {
        update { fields in
            fields.deployment = deployment
            fields.promptTokens = promptTokens
            fields.completionTokens = completionTokens
            fields.cost = cost
        }
        modelRequestEnded(status: status)
    }
}
