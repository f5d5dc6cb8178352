public import GatehouseCore
public import GatehouseStore

/// The two ways a principal is made: acting as a virtual key, or standing in the directory as a
/// user (with a team and organization). Every authenticator builds its principal through one of
/// them, so a new principal field is filled in one place.
extension Principal {
    /// A principal acting as `key`: the key's models, routes, team, owner and role, and the
    /// limits of the key and every level above it.
    /// - Parameter bounds: model lists the credential adds to the key's (a token source's).
    public init(id: String, method: Method, actingAs key: ResolvedKey, bounds: [ModelBound] = []) {
        // Each field read through `key.grant`: a local copy of the grant would retain all of its
        // fields once more, per request.
        self.init(
            id: id, method: method, role: key.role, keyID: key.grant.id, keyAlias: key.grant.alias, userID: key.grant.userID,
            teamID: key.grant.teamID, organizationID: key.grant.organizationID, allowedModels: key.grant.models,
            inheritedModels: bounds.isEmpty ? key.inheritedModels : bounds + key.inheritedModels, modelAliases: key.modelAliases,
            allowedRoutes: key.grant.allowedRoutes, limitSubjects: key.limitSubjects, accounts: key.accounts)
    }

    /// A principal standing in the directory: `chain` (its user, team and organization) bounds
    /// its models and carries their limits.
    /// - Parameters:
    ///   - models: the credential's own model list (empty: every model the chain allows).
    ///   - bounds: model lists the credential adds to the chain's (a token source's).
    public init(
        id: String, method: Method, role: Role, userID: String?, teamID: String? = nil, organizationID: String? = nil,
        models: [String] = [], chain: Chain, bounds: [ModelBound] = []
    ) {
        self.init(
            id: id, method: method, role: role, keyID: nil, keyAlias: nil, userID: userID, teamID: teamID, organizationID: organizationID,
            allowedModels: models, inheritedModels: bounds + chain.models, modelAliases: chain.modelAliases, allowedRoutes: [],
            limitSubjects: chain.limits, accounts: nil)
    }

    /// Adds the limits the credential itself carries (a token's claims, an OAuth client's), checked
    /// before those of the levels above it.
    public mutating func carry(_ limits: Limits, as level: LimitLevel, id: String) {
        self.limits = limits
        if let subject = LimitSubject(level: level, id: id, limits: limits) { limitSubjects.insert(subject, at: 0) }
    }
}
