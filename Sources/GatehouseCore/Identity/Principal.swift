/// Who is calling and how they proved it. Every authenticator produces one; everything after
/// authentication reads only this, never the raw credential.
public struct Principal: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        case masterKey = "master_key"
        case apiKey = "api_key"
        case jwt
        case oauth
        case clientCertificate = "mtls"
        case session
    }

    public enum Role: String, Sendable {
        case proxyAdmin = "proxy_admin"
        case proxyAdminViewer = "proxy_admin_viewer"
        case internalUser = "internal_user"
        case internalUserViewer = "internal_user_viewer"
    }

    /// Stable identifier safe to log: a key id, never the key.
    public var id: String
    public var method: Method
    public var role: Role
    /// The virtual key the principal acts as (its spend is the key's), if any.
    public var keyID: String?
    /// That key's alias (for metrics an operator opted in to by alias).
    public var keyAlias: String?
    public var userID: String?
    public var teamID: String?
    public var organizationID: String?
    /// Model names, wildcards or access groups this principal may use; empty: every model.
    public var allowedModels: [String]
    /// The non-empty model lists of the levels above the credential (user or team, then
    /// organization): a model must be admitted by each of them too.
    public var inheritedModels: [ModelBound] = []
    /// Names this principal may ask for in place of a model (its team's `model_aliases`).
    public var modelAliases: [String: String] = [:]
    /// Paths or route groups this principal may call; empty: every route its role allows.
    public var allowedRoutes: [String] = []
    /// Limits the credential itself carries (a token's limit claims, an OAuth client's); those
    /// of the key, user, team and organization are in `limitSubjects`.
    public var limits = Limits()
    /// Every level of the chain that has limits; a request must pass each of them.
    public var limitSubjects: [LimitSubject] = []

    public init(
        id: String, method: Method, role: Role, userID: String? = nil, teamID: String? = nil, organizationID: String? = nil,
        allowedModels: [String] = []
    ) {
        self.id = id
        self.method = method
        self.role = role
        self.userID = userID
        self.teamID = teamID
        self.organizationID = organizationID
        self.allowedModels = allowedModels
    }

    public static let master = Principal(id: "master", method: .masterKey, role: .proxyAdmin)

    /// - Parameter accessGroups: the `model_info.access_groups` of the model's deployments.
    public func mayUse(model: String, accessGroups: [String] = []) -> Bool {
        modelRefusal(model: model, accessGroups: accessGroups) == nil
    }

    /// The level whose model list refuses a model (`.key` for the credential's own list), or nil
    /// when every level admits it.
    public func modelRefusal(model: String, accessGroups: [String] = []) -> LimitLevel? {
        if !ModelAccess.allows(allowedModels, model: model, accessGroups: accessGroups) { return .key }
        return inheritedModels.first { !ModelAccess.allows($0.models, model: model, accessGroups: accessGroups) }?.level
    }
}
