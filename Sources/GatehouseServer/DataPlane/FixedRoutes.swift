import HTTPTypes
import Hummingbird

/// Registers the model routes on the router's authenticated group as they come, and keeps, for
/// each `POST` route the data plane answers with a fixed path (`DataPlaneRoutes.isFixed`), a
/// `ModelRouteChain`: the same middleware the router passes that route's requests through (given
/// here, in the router's order) around the same route. The data plane calls the chain without the
/// router's lookup, which would find the same route (see `DataPlane.fixed`).
final class FixedRoutes: RouterMethods {
    typealias Context = AuthenticatedContext
    /// Where the routes go for Hummingbird's router: the authenticated group.
    let group: RouterGroup<AuthenticatedContext>
    /// The listener's middleware and the group's, outermost first: what the router passes a model
    /// request through before the group makes its context an `AuthenticatedContext`.
    let middlewares: [any DirectMiddleware<GatewayRequestContext>]
    /// Middleware added here, outermost first: around each route registered after it, for the
    /// router and the chain alike, as a router group puts its middleware.
    private var added: [any MiddlewareProtocol<Request, Response, Context>] = []
    /// The kept chains, by path.
    private(set) var chains: [String: ModelRouteChain] = [:]

    init(group: RouterGroup<AuthenticatedContext>, middlewares: [any DirectMiddleware<GatewayRequestContext>]) {
        self.group = group
        self.middlewares = middlewares
    }

    @discardableResult func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == Context {
        let route = added.reversed().reduce(responder as any HTTPResponder<Context>) { next, middleware in
            AddedMiddleware(middleware: middleware, next: next)
        }
        group.on(path, method: method, responder: route)
        let endpoint = path.description
        if method == .post, DataPlaneRoutes.isFixed(endpoint) {
            chains[endpoint] = ModelRouteChain(middlewares: middlewares, route: route)
        }
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        added.append(middleware)
        return self
    }
}

/// A middleware added to `FixedRoutes`, around what it was added before.
private struct AddedMiddleware: HTTPResponder {
    let middleware: any MiddlewareProtocol<Request, Response, AuthenticatedContext>
    let next: any HTTPResponder<AuthenticatedContext>

    func respond(to request: Request, context: AuthenticatedContext) async throws -> Response {
        try await middleware.handle(request, context: context) { request, context in try await next.respond(to: request, context: context) }
    }
}
