import Foundation
public import GatehouseCore
import NIOCore

/// One active check of a deployment (`GET /health`): the smallest request its mode allows — a
/// one-token chat completion, or an embedding of one word — within the deployment's
/// `model_info.health_check_timeout` (else `defaultTimeout`). Nothing is billed: the operator asks.
public struct DeploymentProbe: Sendable {
    public struct Outcome: Sendable {
        public let deployment: Deployment
        /// The upstream model asked for (a pattern's `model_info.health_check_model`).
        public let model: String
        public let healthy: Bool
        /// Why it is unhealthy, cleaned of the deployment's secrets and bounded.
        public let error: String?
        public let latencyMs: Int
    }

    public static let defaultTimeout = 10.0

    /// - Parameter adapter: the deployment as `ModelRouter.probeAdapter(id:)` gives it.
    public static func check(_ adapter: ProviderAdapter) async -> Outcome {
        let deployment = adapter.deployment
        let seconds = deployment.info["health_check_timeout"]?.doubleValue.flatMap { $0 > 0 ? min($0, 60) : nil } ?? defaultTimeout
        let embedding = deployment.mode == "embedding"
        let endpoint: Endpoint = embedding ? .embeddings : .chatCompletions
        let body: JSONValue =
            embedding ? ["input": "ping"] : ["messages": [["role": "user", "content": "ping"]], "max_tokens": 1]
        let start = ContinuousClock.now
        func outcome(_ error: String?) -> Outcome {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            return Outcome(
                deployment: deployment, model: deployment.upstreamModel, healthy: error == nil,
                error: UpstreamErrorText(deployment: deployment)(error), latencyMs: milliseconds)
        }
        do {
            let request = try adapter.makeRequest(endpoint, body: body, stream: false)
            let timeout = TimeAmount.seconds(fractional: seconds)
            let response = try await adapter.transport.send(request, timeouts: UpstreamTimeouts(firstByte: timeout, total: timeout))
            let bytes = try await response.body.collect(upTo: 1024 * 1024)
            guard (200..<300).contains(response.status) else {
                let json = try? JSONCoding.decode(bytes.readableBytesView)
                return outcome("status \(response.status): \(ProviderAdapter.errorMessage(from: json) ?? "no message")")
            }
            return outcome(nil)
        } catch let error as TransportError {
            return outcome(error.description)
        } catch let error as GatewayError {
            return outcome(error.message)
        } catch {
            return outcome("\(error)")
        }
    }
}
