/// How a verified token's claims (a JWT's payload, or an introspection answer) become an
/// identity: which claims name the user, team and organization, and how roles and scopes map to
/// Gatehouse roles and models.
public struct ClaimMapping: Sendable, Equatable {
    /// Which claims carry what; dotted paths reach into nested objects (`realm_access.roles`).
    public struct ClaimNames: Sendable, Equatable {
        public var user = "sub"
        public var email = "email"
        public var team: String?
        public var organization: String?
        public var roles: String?
        public var scopes = "scope"
        /// A claim naming a virtual key (its id): the token then acts as that key.
        public var key: String?

        public init() {}
    }

    public var claims = ClaimNames()
    /// Role claim values → Gatehouse roles; the strongest match wins, `internal_user` otherwise.
    public var roleMappings: [String: Principal.Role] = [:]
    /// Scope → models it grants. When set, a token may use only the models its scopes grant.
    public var scopeModels: [String: [String]] = [:]
    /// Scope → routes (paths, `prefix/*`, or the groups `llm_api_routes`, `info_routes`,
    /// `management_routes`) it opens. When set, a token may call only what its scopes open.
    public var scopeRoutes: [String: [String]] = [:]
    /// Models every token from this source is limited to (empty: no limit at this level).
    public var models: [String] = []
    /// Limits carried by claims: `rpm_limit`, `tpm_limit`, `rpd_limit`, `tpd_limit`,
    /// `max_parallel_requests`, `max_budget` → the claim holding the number
    /// (`{rpm_limit: rate_limit}`). A token's budget has no duration: it is the token's lifetime
    /// spend.
    public var limitClaims: [String: String] = [:]
    /// Just in time: create the user a token names (as `internal_user`) when the directory does not
    /// know it, so that limits, budgets and spend can be kept per user.
    public var createUsers = false
    /// Just in time: create the team a token names, with the user as a member.
    public var createTeams = false

    public static let limitNames = ["rpm_limit", "tpm_limit", "rpd_limit", "tpd_limit", "max_parallel_requests", "max_budget"]

    public init() {}
}
