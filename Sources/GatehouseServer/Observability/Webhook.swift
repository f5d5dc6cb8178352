import AsyncHTTPClient
import Foundation
public import GatehouseCore
import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// Posts JSON to a configured URL off the request path (`send` only queues): alerts, audit
/// records for a SIEM. Delivery is tried three times; what is still queued at shutdown is sent
/// before the client closes.
public final class Webhook: Service, Sendable {
    let url: String
    let logger: Logger
    private let client: HTTPClient
    private let stream: AsyncStream<JSONValue>
    private let continuation: AsyncStream<JSONValue>.Continuation

    /// What it posts, for the log ("alert", "audit").
    let name: String

    public init(url: String, name: String, logger: Logger) {
        self.url = url
        self.name = name
        self.logger = logger
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        (stream, continuation) = AsyncStream.makeStream(of: JSONValue.self)
    }

    public func send(_ body: JSONValue) { continuation.yield(body) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await body in stream { await deliver(body) }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        try await client.shutdown()
    }

    private func deliver(_ body: JSONValue) async {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(body)))
        for attempt in 1...3 {
            do {
                let response = try await client.execute(request, timeout: .seconds(5))
                if (200..<300).contains(response.status.code) { return }
                logger.warning("\(name) webhook refused a delivery", metadata: ["status": "\(response.status.code)"])
            } catch {
                logger.warning("\(name) webhook unreachable", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
    }
}

/// Alerts (a soft budget crossed) for `alert_webhook_url`.
public typealias AlertWebhook = Webhook

extension Webhook {
    public enum Alert: Sendable {
        case softBudgetCrossed(level: String, account: String, spent: USD, softBudget: USD, maxBudget: USD?)
        /// Failed authentications from one address (`address:…`) or against one principal
        /// (`key:…`, `client:…`) reached the threshold within the window.
        case authenticationFailures(subject: String, failures: Int, windowSeconds: Double)

        var json: JSONValue {
            switch self {
            case .softBudgetCrossed(let level, let account, let spent, let softBudget, let maxBudget):
                let id = String(account.drop { $0 != ":" }.dropFirst())
                return [
                    "event": "soft_budget_crossed", "level": .string(level), "id": .string(id), "spend": .string("\(spent)"),
                    "soft_budget": .string("\(softBudget)"), "max_budget": maxBudget.map { .string("\($0)") } ?? .null,
                    "message": .string("The \(level) \(id) has spent \(spent) USD, past its soft budget of \(softBudget) USD."),
                ]
            case .authenticationFailures(let subject, let failures, let window):
                return [
                    "event": "authentication_failures", "subject": .string(subject), "failures": JSONValue(failures),
                    "window_seconds": .number(window),
                    "message": .string("\(failures) failed authentications for \(subject) within \(Int(saturating: window)) seconds."),
                ]
            }
        }
    }

    public func send(_ alert: Alert) { send(["alert": alert.json]) }
}
