import Foundation
import GatehouseCore
import GatehouseProviders
public import Hummingbird
import Synchronization

/// LiteLLM's operations routes: `GET /health` (active checks of every deployment, for proxy
/// admins and viewers) and `GET /routes` (what this listener serves).
public struct OperationsRoutes: Sendable {
    let checks: DeploymentHealthChecks
    /// This listener's routes, filled in once every route is registered (`snapshot`).
    let served = RouteList()

    init(checks: DeploymentHealthChecks) {
        self.checks = checks
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/health") { request, context in try await self.health(request, context) }
        router.get("/routes") { _, _ in Response.json(["routes": .array(self.served.value)]) }
    }

    /// Records the routes `router` serves, for `GET /routes`; called after the last registration.
    func snapshot(_ router: Router<GatewayRequestContext>) {
        var methods: [String: [String]] = [:]
        for route in router.routes { methods["\(route.path)", default: []].append(route.method.rawValue) }
        served.value = methods.keys.sorted().map { path in ["path": .string(path), "methods": ManagementJSON.strings(methods[path] ?? [])] }
    }

    /// `?model=` (a model name) or `?model_id=` (a deployment id) narrow the report; asked about
    /// one and finding it unhealthy everywhere, it answers 503, as LiteLLM does.
    func health(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        guard [.proxyAdmin, .proxyAdminViewer].contains(context.principal.role) else {
            throw GatewayError.forbidden("Only a proxy admin or viewer may run the deployments' health checks.")
        }
        let query = request.uri.queryParameters
        let model = query.get("model")
        let id = query.get("model_id")
        let report = await checks.report()
        let outcomes = report.outcomes.filter { outcome in
            (model == nil || outcome.deployment.modelName == model) && (id == nil || outcome.deployment.id == id)
        }
        if model != nil || id != nil, outcomes.isEmpty, !report.skipped.contains(where: { $0.modelName == model || $0.id == id }) {
            throw GatewayError.notFound("No deployment matches \(model.map { "model `\($0)`" } ?? "model_id `\(id ?? "")`").", param: "model")
        }
        func endpoint(_ outcome: DeploymentProbe.Outcome) -> JSONValue {
            var entry: JSONValue = [
                "model": .string(outcome.deployment.prefix.map { "\($0)/\(outcome.model)" } ?? outcome.model),
                "model_name": .string(outcome.deployment.modelName), "model_id": .string(outcome.deployment.id),
                "api_base": ManagementJSON.optional(outcome.deployment.apiBase), "latency_ms": JSONValue(outcome.latencyMs),
            ]
            if let error = outcome.error { entry["error"] = .string(error) }
            return entry
        }
        let healthy = outcomes.filter(\.healthy).map(endpoint)
        let unhealthy = outcomes.filter { !$0.healthy }.map(endpoint)
        let body: JSONValue = [
            "healthy_endpoints": .array(healthy), "unhealthy_endpoints": .array(unhealthy),
            "healthy_count": JSONValue(healthy.count), "unhealthy_count": JSONValue(unhealthy.count),
            "skipped_endpoints": .array(
                report.skipped.map {
                    ["model_name": .string($0.modelName), "model_id": .string($0.id), "reason": "a pattern without model_info.health_check_model"]
                }),
            "checked_at": .string(ManagementJSON.timestamp(report.checkedAt)),
        ]
        let targeted = model != nil || id != nil
        return Response.json(body, status: targeted && healthy.isEmpty ? .serviceUnavailable : .ok)
    }
}

/// A list filled in after the router is built (a route cannot list the routes registered
/// after it).
final class RouteList: Sendable {
    private let routes = Mutex<[JSONValue]>([])

    var value: [JSONValue] {
        get { routes.withLock { $0 } }
        set { routes.withLock { $0 = newValue } }
    }
}
