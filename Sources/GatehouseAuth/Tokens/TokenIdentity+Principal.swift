import GatehouseCore
import GatehouseStore

extension TokenIdentity {
    /// The Principal for this identity: its team and organization (as the directory knows them)
    /// bound it like a key's, and a blocked team refuses it.
    /// - Parameters:
    ///   - source: the issuer's or introspection endpoint's name, for the principal id.
    ///   - sourceModels: the models every token of that source is limited to.
    func principal(method: Principal.Method, source: String, sourceModels: [String], cache: IdentityCache) throws -> Principal {
        let chain = cache.chain(userID: subject, teamID: teamID, organizationID: organizationID)
        if chain.teamBlocked { throw GatewayError.unauthorized("This token's team is blocked.") }
        var principal = Principal(
            id: "\(method.rawValue):\(source):\(subject)", method: method, role: role, userID: subject, teamID: teamID,
            organizationID: organizationID, allowedModels: models
        )
        principal.inheritedModels = (sourceModels.isEmpty ? [] : [sourceModels]) + chain.models
        return principal
    }
}
