import GatehouseCore
import GatehouseProviders
import GatehouseStore

extension ProxyRoutes {
    /// The registered end user the request's `user` names, checked: not blocked, the model among
    /// its `models`, and a deployment in its `allowed_model_region` (else its `default_model`,
    /// which the caller must also be allowed). The request is narrowed to that region.
    /// - Returns: the end user's limits, or nil when `user` names no registered end user.
    func endUser(of forward: inout ForwardRequest, _ principal: Principal) throws -> LimitSubject? {
        guard let endUsers, let id = forward.body["user"]?.stringValue, !id.isEmpty, let endUser = endUsers.endUser(id) else { return nil }
        if endUser.blocked {
            throw GatewayError(
                status: 403, message: "End User=\(id) is blocked. A proxy admin unblocks it with /customer/unblock.", type: "permission_error",
                code: "end_user_blocked")
        }
        if !endUser.models.isEmpty, !endUser.models.contains(forward.model) {
            throw GatewayError.modelAccessDenied(forward.model, level: .endUser)
        }
        if let region = endUser.allowedModelRegion {
            if !forwarder.router.serves(forward.model, inRegion: region) {
                guard let fallback = endUser.defaultModel, forwarder.router.serves(fallback, inRegion: region) else {
                    throw GatewayError.invalidRequest(
                        "No deployment of `\(forward.model)` is in region \(region), where end user \(id)'s requests must be served.",
                        param: "model", code: "no_deployment_in_region")
                }
                guard mayUse(fallback, principal) else { throw GatewayError.modelAccessDenied(fallback, level: .key) }
                forward.model = fallback
                forward.body["model"] = .string(fallback)
            }
            forward.region = region
        }
        return endUser.limits
    }
}
