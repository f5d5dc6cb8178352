import Hummingbird

/// How the data plane answers a model route with a fixed path: the middleware Hummingbird's router
/// would pass the request through (the listener's, then the authenticated group's), each called
/// directly (`DirectMiddleware`), then the request's context made an `AuthenticatedContext` as the
/// group makes it, then the route's own responder — the one the router holds for that path.
struct ModelRouteChain: Sendable {
    /// Outermost first.
    let middlewares: [any DirectMiddleware<GatewayRequestContext>]
    let route: any HTTPResponder<AuthenticatedContext>

    func respond(to request: Request, context: GatewayRequestContext) async throws -> Response {
        try await respond(to: request, context: context, from: middlewares.startIndex)
    }

    private func respond(to request: Request, context: GatewayRequestContext, from index: Int) async throws -> Response {
        guard index < middlewares.endIndex else {
            return try await route.respond(to: request, context: AuthenticatedContext(context: context))
        }
        return try await middlewares[index].run(request, context: context) { request, context in
            try await respond(to: request, context: context, from: index + 1)
        }
    }
}
