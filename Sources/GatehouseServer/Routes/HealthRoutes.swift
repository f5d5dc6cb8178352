import GatehouseCore
public import Hummingbird

/// Probes for orchestrators. No credential needed and nothing secret in the answer.
public struct HealthRoutes: Sendable {
    public init() {}

    public func register(on router: some RouterMethods<GatewayRequestContext>) {
        for path in ["/health/liveliness", "/health/liveness"] {
            router.get(RouterPath(path)) { _, _ in Response.json(["status": "alive"]) }
        }
        router.get("/health/readiness") { _, _ in Response.json(["status": "ready"]) }
    }
}
