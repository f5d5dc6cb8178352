import GatehouseCore
import Hummingbird

/// Outermost on every route: when the request began (for Gatehouse's own time around the
/// upstream call), and each request counted by the route it reached and its status, timed to its
/// response head.
struct MetricsMiddleware: DirectMiddleware {
    typealias Context = GatewayRequestContext
    let metrics: GatewayMetrics

    func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Read, not set: a context passed on changed is a copy of it (each of its references
        // retained, and released again).
        let start = context.requestStart ?? .now
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath, status: Int(response.status.code), duration: .now - start)
            return response
        } catch {
            metrics.request(route: context.endpointPath, status: (error as? GatewayError)?.status ?? 500, duration: .now - start)
            throw error
        }
    }
}
