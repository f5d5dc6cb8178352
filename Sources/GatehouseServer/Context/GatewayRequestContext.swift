public import GatehouseCore
public import Hummingbird
public import Logging

/// Per-request state: set by the middleware pipeline, read by the routes.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`; every route behind it can rely on it.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}
