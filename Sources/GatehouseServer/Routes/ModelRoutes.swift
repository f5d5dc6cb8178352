import Foundation
import GatehouseCore
import GatehouseProviders
import HTTPTypes
public import Hummingbird
import NIOCore

/// `GET /v1/models` and `/v1/models/{id}`: the models the caller may use, in OpenAI's shape. A
/// pattern (`*`, `openai/*`) is not listed as a model (unless `return_wildcard_routes=true`): the
/// models it reaches are, where known.
public struct ModelRoutes: Sendable {
    let router: ModelRouter
    /// Fixed at start-up so the listing does not change between calls.
    let created: Int

    public init(router: ModelRouter, created: Int) {
        self.router = router
        self.created = created
    }

    public func register(on routes: some RouterMethods<AuthenticatedContext>) {
        for prefix in ["/v1/", "/"] {
            routes.get(RouterPath(prefix + "models")) { request, context in
                let principal = context.principal
                let query = request.uri.queryParameters
                // LiteLLM's options: access group names beside (or instead of) the models, and
                // the patterns themselves.
                let groups = router.accessGroupNames.filter { principal.mayUse(model: $0, accessGroups: [$0]) }
                if query.get("only_model_access_groups") == "true" {
                    return Response.json(["object": "list", "data": .array(groups.map(self.entry))])
                }
                var models = router.listedNames.filter { principal.mayUse(model: $0, accessGroups: router.accessGroups(of: $0)) }
                if query.get("return_wildcard_routes") == "true" {
                    models += router.patterns.filter { principal.mayUse(model: $0, accessGroups: router.accessGroups(of: $0)) }
                }
                // The team's aliases whose models the caller may use.
                let aliases = principal.modelAliases.filter { _, target in
                    router.hasModel(target) && router.isReachable(target, by: principal)
                        && principal.mayUse(model: target, accessGroups: router.accessGroups(of: target))
                }
                models += aliases.keys.sorted().filter { !models.contains($0) }
                if query.get("include_model_access_groups") == "true" { models += groups.filter { !models.contains($0) } }
                return Response.json(["object": "list", "data": .array(models.map(self.entry))])
            }
            routes.get(RouterPath(prefix + "models/**")) { request, context in
                // Model ids may contain slashes (`openai/gpt-4o`): take the whole remaining path.
                let id = String(request.uri.path.dropFirst(prefix.count + "models/".count)).removingPercentEncoding ?? ""
                let model = context.principal.modelAliases[id] ?? id
                guard router.hasModel(model), router.isReachable(model, by: context.principal),
                    context.principal.mayUse(model: model, accessGroups: router.accessGroups(of: model))
                else {
                    throw GatewayError.modelNotFound(id)
                }
                return Response.json(self.entry(id))
            }
        }
    }

    func entry(_ name: String) -> JSONValue {
        ["id": .string(name), "object": "model", "created": JSONValue(created), "owned_by": "gatehouse"]
    }

}
