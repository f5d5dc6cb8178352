import Foundation
import GatehouseCore
import Synchronization

/// One JSON line per request (`access_log`): when, the route it reached (never the raw path or
/// query, which may hold a key), status, latency, the client's address, the request id, the
/// principal's id and method, and for model requests the model, deployment, tokens and cost. A
/// stream's line is written when the stream ends, with what it used.
final class AccessLog: Sendable {
    let sink: LineSink

    init(sink: LineSink) {
        self.sink = sink
    }

    func write(_ fields: AccessNote.Fields, status: Int, duration: Duration) {
        var line: JSONValue = [
            "type": "access", "time": .string(fields.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "method": .string(fields.httpMethod), "route": .string(fields.route ?? "unmatched"), "status": JSONValue(status),
            "duration_ms": .number((GatewayMetrics.seconds(duration) * 1_000_000).rounded() / 1000),
        ]
        line["address"] = fields.address.map(JSONValue.string)
        line["principal"] = fields.principal.map(JSONValue.string)
        line["auth_method"] = fields.authMethod.map(JSONValue.string)
        if let model = fields.model {
            line["request_id"] = fields.requestID.map(JSONValue.string)
            line["model"] = .string(model)
            line["deployment"] = fields.deployment.map(JSONValue.string)
            line["prompt_tokens"] = JSONValue(fields.promptTokens)
            line["completion_tokens"] = JSONValue(fields.completionTokens)
            line["cost"] = .string(fields.cost.description)
            line["stream"] = .bool(fields.stream)
            line["upstream_ms"] = fields.upstream.map { .number((GatewayMetrics.seconds($0) * 1_000_000).rounded() / 1000) }
        }
        sink.append([JSONCoding.encodeString(line)])
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
