public import Hummingbird

/// A listener's middleware that the data plane can call directly: `run` holds its rule, and
/// Hummingbird's router reaches the same `run` through `handle`, so both paths share one
/// implementation.
///
/// Why not Hummingbird's chain on the data plane: its responders and the protocol's `handle` are
/// `@concurrent`, and every entry into one (and every return from one to our code) is a
/// `swift_task_switch`. With the answer task's executor preference (`LoopTaskExecutor`) each takes
/// the task's status lock: about 3% of Gatehouse's CPU at 41 switches a proxied request, 22 of them
/// in Hummingbird's responders (`bench/profile bench switches`). `run` and its `next` are
/// `nonisolated(nonsending)` (this module's default): called from the data plane they stay on the
/// caller's executor with no switch.
public protocol DirectMiddleware<Context>: RouterMiddleware where Context: Sendable {
    associatedtype Context
    func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
}

extension DirectMiddleware {
    /// For Hummingbird's `MiddlewareGroup` (Swift does not see through `any DirectMiddleware` that
    /// its input and output are `Request` and `Response`).
    var routerMiddleware: any MiddlewareProtocol<Request, Response, Context> { self }

    @concurrent public func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await run(request, context: context) { request, context in try await next(request, context) }
    }
}
