import Foundation
import GatehouseCore
import GatehouseProviders
public import Hummingbird

/// LiteLLM's model information routes, which its clients and UI call constantly: `/model/info`
/// (and `/v1/…`), `/v2/model/info` (filtered and paged) and `/model_group/info`. Each shows only
/// the deployments the caller may use, never an upstream key or header; the upstream's address is
/// shown to proxy admins and viewers only.
public struct ModelInfoRoutes: Sendable {
    let router: ModelRouter

    public init(router: ModelRouter) {
        self.router = router
    }

    public func register(on routes: some RouterMethods<AuthenticatedContext>) {
        for path in ["/model/info", "/v1/model/info"] {
            routes.get(RouterPath(path)) { request, context in
                let visible = deployments(for: context.principal)
                if let id = request.uri.queryParameters.get("litellm_model_id") {
                    guard let deployment = visible.first(where: { $0.id == id }) else {
                        throw GatewayError.invalidRequest("Model id = \(id) not found on litellm proxy", param: "litellm_model_id")
                    }
                    return Response.json(["data": [entry(deployment, for: context.principal)]])
                }
                return Response.json(["data": .array(visible.map { entry($0, for: context.principal) })])
            }
        }
        routes.get("/v2/model/info") { request, context in
            let query = request.uri.queryParameters
            var visible = deployments(for: context.principal)
            if let id = query.get("modelId") ?? query.get("litellm_model_id") { visible = visible.filter { $0.id == id } }
            if let name = query.get("model") { visible = visible.filter { $0.modelName == name } }
            if let search = query.get("search")?.lowercased(), !search.isEmpty {
                visible = visible.filter { $0.modelName.lowercased().contains(search) }
            }
            if let group = query.get("access_group") { visible = visible.filter { $0.accessGroups.contains(group) } }
            if query.get("wildcard_only") == "true" { visible = visible.filter(\.isWildcard) }
            let paging = Paging(request, defaultSize: 50)
            let page = visible.dropFirst(min(paging.offset, visible.count)).prefix(paging.size)
            return Response.json([
                "data": .array(page.map { entry($0, for: context.principal) }), "total_count": JSONValue(visible.count),
                "current_page": JSONValue(paging.page), "total_pages": JSONValue(paging.pages(visible.count)), "size": JSONValue(paging.size),
            ])
        }
        routes.get("/model_group/info") { request, context in
            let wanted = request.uri.queryParameters.get("model_group")
            let principal = context.principal
            let groups = Dictionary(grouping: deployments(for: principal), by: \.modelName)
            let names = groups.keys.filter { wanted == nil || $0 == wanted }.sorted()
            return Response.json(["data": .array(names.map { group($0, groups[$0] ?? []) })])
        }
    }

    /// Every deployment (patterns included), in configuration order, that the caller may use.
    func deployments(for principal: Principal) -> [Deployment] {
        router.allDeployments.filter {
            principal.mayUse(model: $0.modelName, accessGroups: $0.accessGroups) && router.isReachable($0.modelName, by: principal)
        }
    }

    func entry(_ deployment: Deployment, for principal: Principal) -> JSONValue {
        var params: [String: JSONValue] = ["model": .string(deployment.configuredModel)]
        if [.proxyAdmin, .proxyAdminViewer].contains(principal.role) {
            params["api_base"] = deployment.apiBase.map(JSONValue.string)
            params["api_version"] = deployment.apiVersion.map(JSONValue.string)
        }
        params["rpm"] = deployment.rpm.map { JSONValue($0) }
        params["tpm"] = deployment.tpm.map { JSONValue($0) }
        params["timeout"] = deployment.timeout.map { .number(JSONNumber($0)) }
        params["stream_timeout"] = deployment.streamTimeout.map { .number(JSONNumber($0)) }
        params["num_retries"] = deployment.numRetries.map { JSONValue($0) }
        params.merge(deployment.requestDefaults) { own, _ in own }
        var info = deployment.info
        info["id"] = .string(deployment.id)
        info["db_model"] = deployment.info["db_model"] ?? false
        if let mode = deployment.mode { info["mode"] = .string(mode) }
        info["access_groups"] = .array(deployment.accessGroups.map(JSONValue.string))
        info["litellm_provider"] = .string(deployment.prefix ?? "openai")
        info["direct_access"] = true
        let perUnit: [(String, Double?)] = [
            ("input_cost_per_second", deployment.inputCostPerSecond), ("input_cost_per_character", deployment.inputCostPerCharacter),
            ("output_cost_per_image", deployment.outputCostPerImage),
        ]
        if let (name, price) = perUnit.first(where: { $0.1 != nil }) {
            // Priced by the second, character or image: not by the token.
            params[name] = .number(JSONNumber(price!))
            info[name] = .number(JSONNumber(price!))
        } else if let price = ModelPrices.price(for: deployment) {
            params["input_cost_per_token"] = Self.number(price.input)
            params["output_cost_per_token"] = Self.number(price.output)
            info["input_cost_per_token"] = Self.number(price.input)
            info["output_cost_per_token"] = Self.number(price.output)
        }
        return ["model_name": .string(deployment.modelName), "litellm_params": .object(params), "model_info": .object(info)]
    }

    /// LiteLLM's `ModelGroupInfo`: what a model name's deployments offer together.
    func group(_ name: String, _ deployments: [Deployment]) -> JSONValue {
        var providers: [String] = []
        for deployment in deployments where !providers.contains(deployment.prefix ?? "openai") { providers.append(deployment.prefix ?? "openai") }
        let rpm = deployments.compactMap(\.rpm)
        let tpm = deployments.compactMap(\.tpm)
        var group: [String: JSONValue] = [
            "model_group": .string(name), "providers": .array(providers.map(JSONValue.string)),
            "mode": .string(deployments.compactMap(\.mode).first ?? "chat"),
            "rpm": rpm.isEmpty ? .null : JSONValue(rpm.reduce(0, &+)), "tpm": tpm.isEmpty ? .null : JSONValue(tpm.reduce(0, &+)),
            "supports_function_calling": false, "supports_vision": false, "supports_parallel_function_calling": false,
            "supports_reasoning": false, "supported_openai_params": [], "is_public_model_group": false,
            "access_groups": .array(Set(deployments.flatMap(\.accessGroups)).sorted().map(JSONValue.string)),
        ]
        if let worst = ModelPrices.worstCase(of: deployments) {
            group["input_cost_per_token"] = Self.number(worst.input)
            group["output_cost_per_token"] = Self.number(worst.output)
        }
        return .object(group)
    }

    static func number(_ value: Decimal) -> JSONValue { .number(JSONNumber(Double("\(value)") ?? 0)) }
}
