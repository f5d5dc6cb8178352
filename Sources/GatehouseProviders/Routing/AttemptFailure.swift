public import GatehouseCore

/// An attempt that failed in a way another deployment might not: connect error, timeout before
/// the first byte, 429 or 5xx. Anything else goes straight back to the client.
public struct AttemptFailure: Error, Sendable {
    public enum Reason: Sendable, Equatable {
        case unreachable
        case timeout
        case status(Int)
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }

    /// What the client sees when no attempt succeeded.
    public var gatewayError: GatewayError {
        switch reason {
        case .unreachable: return .upstream(status: 502, message: "Upstream unavailable: \(message)")
        case .timeout: return .timeout("Upstream timed out: \(message)")
        case .status(429): return .upstream(status: 429, message: "Upstream rate limited the request: \(message)")
        case .status(let status): return .upstream(status: 502, message: "Upstream returned \(status): \(message)")
        }
    }
}
