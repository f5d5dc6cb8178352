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

    /// Shared by the copies (`SharedFields`): the request path copies its principal into each
    /// step that keeps it (the request's context, its admission, its billing).
    private var shared: SharedFields<Fields>

    struct Fields: Sendable, Equatable {
        var id: String
        var method: Method
        var role: Role
        var keyID: String?
        var keyAlias: String?
        var userID: String?
        var teamID: String?
        var organizationID: String?
        var allowedModels: [String]
        var inheritedModels: [ModelBound] = []
        var modelAliases: [String: String] = [:]
        var allowedRoutes: [String] = []
        var limits: Limits = Limits()
        var limitSubjects: [LimitSubject] = []
        var accounts: [LimitSubject]?
    }

    /// Stable identifier safe to log: a key id, never the key.
    public var id: String {
        get { shared.fields.id }
        _modify { yield &SharedFields.unique(&shared).fields.id }
    }
    public var method: Method {
        get { shared.fields.method }
        _modify { yield &SharedFields.unique(&shared).fields.method }
    }
    public var role: Role {
        get { shared.fields.role }
        _modify { yield &SharedFields.unique(&shared).fields.role }
    }
    /// The virtual key the principal acts as (its spend is the key's), if any.
    public var keyID: String? {
        get { shared.fields.keyID }
        _modify {
            let fields = SharedFields.unique(&shared)
            yield &fields.fields.keyID
            fields.fields.accounts = nil
        }
    }
    /// That key's alias (for metrics an operator opted in to by alias).
    public var keyAlias: String? {
        get { shared.fields.keyAlias }
        _modify { yield &SharedFields.unique(&shared).fields.keyAlias }
    }
    public var userID: String? {
        get { shared.fields.userID }
        _modify {
            let fields = SharedFields.unique(&shared)
            yield &fields.fields.userID
            fields.fields.accounts = nil
        }
    }
    public var teamID: String? {
        get { shared.fields.teamID }
        _modify {
            let fields = SharedFields.unique(&shared)
            yield &fields.fields.teamID
            fields.fields.accounts = nil
        }
    }
    public var organizationID: String? {
        get { shared.fields.organizationID }
        _modify {
            let fields = SharedFields.unique(&shared)
            yield &fields.fields.organizationID
            fields.fields.accounts = nil
        }
    }
    /// Model names, wildcards or access groups this principal may use; empty: every model.
    public var allowedModels: [String] {
        get { shared.fields.allowedModels }
        _modify { yield &SharedFields.unique(&shared).fields.allowedModels }
    }
    /// The non-empty model lists of the levels above the credential (user or team, then
    /// organization): a model must be admitted by each of them too.
    public var inheritedModels: [ModelBound] {
        get { shared.fields.inheritedModels }
        _modify { yield &SharedFields.unique(&shared).fields.inheritedModels }
    }
    /// Names this principal may ask for in place of a model (its team's `model_aliases`).
    public var modelAliases: [String: String] {
        get { shared.fields.modelAliases }
        _modify { yield &SharedFields.unique(&shared).fields.modelAliases }
    }
    /// Paths or route groups this principal may call; empty: every route its role allows.
    public var allowedRoutes: [String] {
        get { shared.fields.allowedRoutes }
        _modify { yield &SharedFields.unique(&shared).fields.allowedRoutes }
    }
    /// Limits the credential itself carries (a token's limit claims, an OAuth client's); those
    /// of the key, user, team and organization are in `limitSubjects`.
    public var limits: Limits {
        get { shared.fields.limits }
        _modify { yield &SharedFields.unique(&shared).fields.limits }
    }
    /// Every level of the chain that has limits; a request must pass each of them.
    public var limitSubjects: [LimitSubject] {
        get { shared.fields.limitSubjects }
        _modify {
            let fields = SharedFields.unique(&shared)
            yield &fields.fields.limitSubjects
            fields.fields.accounts = nil
        }
    }

    /// The accounts of the chain its spend is charged to (its key, user, team and organization,
    /// those it names), as the identity cache built them once, so that a request does not build
    /// them again; nil: the metering derives them from the ids and `limitSubjects`. Setting any of
    /// those afterwards drops this list, so it cannot disagree with them.
    public var accounts: [LimitSubject]? {
        get { shared.fields.accounts }
        _modify { yield &SharedFields.unique(&shared).fields.accounts }
    }

    public init(
        id: String, method: Method, role: Role, userID: String? = nil, teamID: String? = nil, organizationID: String? = nil,
        allowedModels: [String] = []
    ) {
        shared = SharedFields(
            Fields(id: id, method: method, role: role, userID: userID, teamID: teamID, organizationID: organizationID, allowedModels: allowedModels))
    }

    /// Every field a key or a directory chain gives a principal, set at once: set one by one from
    /// another module, each is a `_modify` coroutine whose frame is allocated on the heap (seven
    /// allocations a request for a key). `accounts`: as in `accounts`, nil to have them derived.
    public init(
        id: String, method: Method, role: Role, keyID: String?, keyAlias: String?, userID: String?, teamID: String?, organizationID: String?,
        allowedModels: [String], inheritedModels: [ModelBound], modelAliases: [String: String], allowedRoutes: [String],
        limitSubjects: [LimitSubject], accounts: [LimitSubject]?
    ) {
        shared = SharedFields(
            Fields(
                id: id, method: method, role: role, keyID: keyID, keyAlias: keyAlias, userID: userID, teamID: teamID,
                organizationID: organizationID, allowedModels: allowedModels, inheritedModels: inheritedModels, modelAliases: modelAliases,
                allowedRoutes: allowedRoutes, limitSubjects: limitSubjects, accounts: accounts))
    }

    public static func == (left: Principal, right: Principal) -> Bool {
        left.shared === right.shared || left.shared.fields == right.shared.fields
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
