public import NIOCore
public import NIOHTTP1

/// One request to an upstream provider, fully formed: URL, headers (with the deployment's own
/// credential), body.
public struct UpstreamRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: ByteBuffer
    /// Set when the caller wants the whole response body at once (not a stream), at most this
    /// many bytes: a transport may gather it itself rather than hand out a sequence of chunks.
    public var wholeBodyLimit: Int?

    public init(url: String, method: String = "POST", headers: [(String, String)], body: ByteBuffer) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The upstream's answer: status and headers at once, the body as it arrives. The headers are
/// SwiftNIO's, as both transports receive them (rarely read: not converted for every answer).
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: UpstreamBody

    public init(status: Int, headers: HTTPHeaders, body: UpstreamBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Time bounds of one attempt.
public struct UpstreamTimeouts: Sendable {
    /// Until the response head has arrived.
    public var firstByte: TimeAmount
    /// The whole attempt, body included.
    public var total: TimeAmount

    public init(firstByte: TimeAmount, total: TimeAmount) {
        self.firstByte = firstByte
        self.total = total
    }
}

/// Why an attempt failed before a response head arrived.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case connect, timeout, bodyTooLarge, other }
    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The one seam between Gatehouse and the HTTP client underneath, so that the client can be
/// replaced (say, by an event-loop-affine one) without touching adapters or routing.
public protocol UpstreamTransport: Sendable {
    func send(_ request: UpstreamRequest, timeouts: UpstreamTimeouts) async throws -> UpstreamResponse
}
