import GatehouseCore
public import GatehouseStore
public import Hummingbird

/// Probes for orchestrators. No credential needed and nothing secret in the answer.
public struct HealthRoutes: Sendable {
    /// The store, asked by the readiness probe: an instance that cannot reach it cannot
    /// authenticate a key it has not cached, nor meter a request.
    let store: StoreProbe?

    public init(store: StoreProbe?) {
        self.store = store
    }

    public func register(on router: some RouterMethods<GatewayRequestContext>) {
        for path in ["/health/liveliness", "/health/liveness"] {
            router.get(RouterPath(path)) { _, _ in Response.json(["status": "alive"]) }
        }
        // LiteLLM's public shape: `status` and `db`, 503 when the store does not answer. Versions
        // are for authenticated callers (`/health/readiness/details`), as in LiteLLM 1.108.
        router.get("/health/readiness") { _, _ in try await readiness(details: [:]) }
    }

    /// `/health/readiness/details`, for a signed-in caller: the same, with the versions.
    public func registerDetails(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/health/readiness/details") { _, _ in
            try await readiness(details: [
                "litellm_version": .string(GatehouseVersion.current), "gatehouse_version": .string(GatehouseVersion.current),
            ])
        }
    }

    func readiness(details: [String: JSONValue]) async throws -> Response {
        let db = await store?.status() ?? .connected
        var body = details
        body["status"] = db == .connected ? "healthy" : "unhealthy"
        body["db"] = .string(db.rawValue)
        return Response.json(.object(body), status: db == .connected ? .ok : .serviceUnavailable)
    }
}
