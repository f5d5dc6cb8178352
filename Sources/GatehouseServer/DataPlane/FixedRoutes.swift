import HTTPTypes
import Hummingbird

/// Registers routes on a router as they come, and keeps, for each `POST` route the data plane
/// answers with a fixed path (`DataPlaneRoutes.isFixed`), the responder the router builds for it:
/// the router's middleware around the route's own. The data plane calls that responder without
/// the router's lookup, which would find the same one (see `DataPlane.fixed`).
final class FixedRoutes<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    /// The kept responders, by path.
    private(set) var responders: [String: any HTTPResponder<Context>] = [:]

    init(router: Router<Context>) {
        self.router = router
    }

    @discardableResult func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == Context {
        router.on(path, method: method, responder: responder)
        let endpoint = path.description
        if method == .post, DataPlaneRoutes.isFixed(endpoint) {
            // What the router's `on` builds: its middleware (those added so far) around the route.
            responders[endpoint] = router.middlewares.constructResponder(finalResponder: responder)
        }
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
