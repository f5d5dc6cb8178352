public import GatehouseCore
public import Hummingbird
public import Logging
public import NIOCore

/// What every request's context knows of its connection, before and after authentication.
public protocol ConnectionContext: RequestContext {
    /// The client's connection, to end it when the client stalls.
    var channel: any Channel { get }
    /// The client's address as trusted proxies forwarded it (set by `ClientAddressMiddleware`).
    var forwardedClient: String? { get }
}

extension ConnectionContext {
    /// The client's address: as trusted proxies forwarded it, else the connection's peer.
    var clientAddress: String? { forwardedClient ?? channel.remoteAddress?.ipAddress }
}

/// Per-request state: set by the middleware pipeline, read by the routes that need no caller
/// (health, sign-in, the OAuth endpoints). Routes that need one take `AuthenticatedContext`.
public struct GatewayRequestContext: ConnectionContext, Sendable {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`, read only to make the `AuthenticatedContext`. (A copy of
    /// a `Principal` is one reference: the contexts copied at each middleware step hold it as it is.)
    var principal: Principal?
    public let channel: any Channel
    public var forwardedClient: String?
    /// The path prefix a trusted proxy serves Gatehouse under (`X-Forwarded-Prefix`, set by
    /// `ClientAddressMiddleware`), for the links of Gatehouse's own pages.
    public var forwardedPrefix: String?
    /// When the request began: when its context was made (by the router as the head arrives, by
    /// the data plane once the body is read). Read by `MetricsMiddleware`, which then need not
    /// copy the context to set it.
    public var requestStart: ContinuousClock.Instant?
    /// This request's access log line in the making (nil: no access log).
    var accessNote: AccessNote?
    /// The body, when it was read whole before the request was handed on (the data plane reads
    /// it within its own deadline): the routes take it from here, without bounding the time
    /// reading it takes or iterating the request's body for it.
    var bodyRead: ByteBuffer?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestStart = .now
    }
}

/// The context of a route that needs a caller: its principal is not optional. Made from the
/// parent context after `AuthenticationMiddleware`; a route registered where that middleware
/// does not run is refused (401) rather than served without identity.
public struct AuthenticatedContext: ChildRequestContext, ConnectionContext {
    public var coreContext: CoreRequestContextStorage
    public let principal: Principal
    public let channel: any Channel
    public let forwardedClient: String?
    public let requestStart: ContinuousClock.Instant?
    let accessNote: AccessNote?
    let bodyRead: ByteBuffer?

    public init(context: GatewayRequestContext) throws {
        guard let principal = context.principal else { throw GatewayError.unauthorized("This route needs a credential.") }
        self.coreContext = context.coreContext
        self.principal = principal
        self.channel = context.channel
        self.forwardedClient = context.forwardedClient
        self.requestStart = context.requestStart
        self.accessNote = context.accessNote
        self.bodyRead = context.bodyRead
    }
}
