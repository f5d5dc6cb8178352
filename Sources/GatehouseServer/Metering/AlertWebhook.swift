import AsyncHTTPClient
import Foundation
public import GatehouseCore
import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// Posts alerts (a soft budget crossed) as JSON to the configured webhook, off the request path:
/// `send` only queues. Delivery is tried three times; alerts still queued at shutdown are sent
/// before the client closes.
public final class AlertWebhook: Service, Sendable {
    public enum Alert: Sendable {
        case softBudgetCrossed(level: String, account: String, spent: USD, softBudget: USD, maxBudget: USD?)

        var json: JSONValue {
            switch self {
            case .softBudgetCrossed(let level, let account, let spent, let softBudget, let maxBudget):
                let id = String(account.drop { $0 != ":" }.dropFirst())
                return [
                    "event": "soft_budget_crossed", "level": .string(level), "id": .string(id), "spend": .string("\(spent)"),
                    "soft_budget": .string("\(softBudget)"), "max_budget": maxBudget.map { .string("\($0)") } ?? .null,
                    "message": .string("The \(level) \(id) has spent \(spent) USD, past its soft budget of \(softBudget) USD."),
                ]
            }
        }
    }

    let url: String
    let logger: Logger
    private let client: HTTPClient
    private let stream: AsyncStream<Alert>
    private let continuation: AsyncStream<Alert>.Continuation

    public init(url: String, logger: Logger) {
        self.url = url
        self.logger = logger
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        (stream, continuation) = AsyncStream.makeStream(of: Alert.self)
    }

    public func send(_ alert: Alert) { continuation.yield(alert) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await alert in stream { await deliver(alert) }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        try await client.shutdown()
    }

    private func deliver(_ alert: Alert) async {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(["alert": alert.json])))
        for attempt in 1...3 {
            do {
                let response = try await client.execute(request, timeout: .seconds(5))
                if (200..<300).contains(response.status.code) { return }
                logger.warning("alert webhook refused an alert", metadata: ["status": "\(response.status.code)"])
            } catch {
                logger.warning("alert webhook unreachable", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
    }
}
