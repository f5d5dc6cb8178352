public import GatehouseCore
public import Hummingbird
public import Logging
public import NIOCore

/// Per-request state: set by the middleware pipeline, read by the routes.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`; every route behind it can rely on it.
    public var principal: Principal?
    /// The client's connection, to end it when the client stalls.
    public let channel: any Channel
    /// The client's address as trusted proxies forwarded it (set by `ClientAddressMiddleware`).
    public var forwardedClient: String?
    /// When the request began (set by `MetricsMiddleware`).
    public var requestStart: ContinuousClock.Instant?
    /// This request's access log line in the making (nil: no access log).
    var accessNote: AccessNote?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.channel = source.channel
    }
}

extension GatewayRequestContext {
    /// The client's address: as trusted proxies forwarded it, else the connection's peer.
    var clientAddress: String? { forwardedClient ?? channel.remoteAddress?.ipAddress }
}
