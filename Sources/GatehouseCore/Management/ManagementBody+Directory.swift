extension ManagementBody {
    /// `/user/new` and `/user/update` fields.
    public func apply(to user: inout User) throws {
        try string("user_email").apply(to: &user.email)
        try string("user_alias").apply(to: &user.alias)
        if let role = try role() { user.role = role }
        if let models = try strings("models") { user.models = models }
        if let metadata = try metadata() { user.metadata = metadata }
        try string("organization_id").apply(to: &user.organizationID)
        try apply(to: &user.limits)
    }

    /// `/team/new` and `/team/update` fields (members change through `member_add` and `member_delete`).
    public func apply(to team: inout Team) throws {
        try string("team_alias").apply(to: &team.alias)
        try string("organization_id").apply(to: &team.organizationID)
        if let models = try strings("models") { team.models = models }
        if let aliases = try modelAliases() { team.modelAliases = aliases }
        if let metadata = try metadata() { team.metadata = metadata }
        if let blocked = try bool("blocked") { team.blocked = blocked }
        try apply(to: &team.limits)
    }

    /// The most aliases a team may have.
    public static let maxModelAliases = 100

    /// `model_aliases`: `{"alias": "model"}` (null: none), each name at most 256 bytes.
    func modelAliases() throws -> [String: String]? {
        let error = GatewayError.badRequest(
            "`model_aliases` must map at most \(Self.maxModelAliases) names to model names (each at most 256 bytes).", param: "model_aliases")
        switch body["model_aliases"] {
        case nil: return nil
        case .null?: return [:]
        case .object(let fields)?:
            guard fields.count <= Self.maxModelAliases else { throw error }
            return try fields.mapValues { value in
                guard let model = value.stringValue, !model.isEmpty, model.utf8.count <= 256 else { throw error }
                return model
            }.filter { name, _ in
                guard !name.isEmpty, name.utf8.count <= 256 else { return false }
                return true
            }
        default: throw error
        }
    }

    /// `/organization/new` and `/organization/update` fields.
    public func apply(to organization: inout Organization) throws {
        if let alias = try string("organization_alias").value { organization.alias = alias }
        if let models = try strings("models") { organization.models = models }
        if let metadata = try metadata() { organization.metadata = metadata }
        try apply(to: &organization.limits)
    }

    /// `/oauth/client/new` and `/oauth/client/update` fields.
    public func apply(to client: inout OAuthClient) throws {
        try string("name").apply(to: &client.name)
        if let scopes = try strings("scopes") { client.scopes = scopes }
        if let models = try strings("models") { client.models = models }
        try string("user_id").apply(to: &client.userID)
        try string("team_id").apply(to: &client.teamID)
        try string("organization_id").apply(to: &client.organizationID)
        if let metadata = try metadata() { client.metadata = metadata }
        if let blocked = try bool("blocked") { client.blocked = blocked }
        if let grants = try strings("grant_types") {
            guard !grants.isEmpty, grants.allSatisfy(OAuthClient.Grant.all.contains) else {
                throw GatewayError.badRequest(
                    "`grant_types` must list some of \(OAuthClient.Grant.all.joined(separator: ", ")) (implicit and password are not offered).",
                    param: "grant_types")
            }
            client.grantTypes = grants
        }
        if let uris = try strings("redirect_uris") {
            guard uris.count <= 20, uris.allSatisfy(RedirectURI.isAcceptable) else {
                throw GatewayError.badRequest(
                    "`redirect_uris`: at most 20, each https, http to a loopback address, or an app's own scheme (com.example.app:/cb); no fragment.",
                    param: "redirect_uris")
            }
            client.redirectURIs = uris
        }
        try apply(to: &client.limits)
    }

    /// Team members as `member` (one object or a list) or `members_with_roles` give them.
    /// `/team/member_update`'s own limits of a member: `max_budget_in_team`, `budget_duration`,
    /// `rpm_limit`, `tpm_limit`, `allowed_models` (absent keeps, null clears), and `role`.
    public func apply(to member: inout TeamMember) throws {
        try number("max_budget_in_team").apply(to: &member.limits.maxBudget)
        try budgetDuration().apply(to: &member.limits.budgetDuration)
        try integer("rpm_limit").apply(to: &member.limits.rpmLimit)
        try integer("tpm_limit").apply(to: &member.limits.tpmLimit)
        if let models = try strings("allowed_models") { member.models = models }
        try string("budget_id").apply(to: &member.budgetID)
        if let text = try string("role").value {
            guard let role = TeamMember.Role(rawValue: text) else { throw GatewayError.badRequest("`role` must be admin or user.", param: "role") }
            member.role = role
        }
    }

    /// Whether the body changes a member's own limits or models (not only their role).
    public var changesMemberBounds: Bool {
        ["max_budget_in_team", "budget_duration", "rpm_limit", "tpm_limit", "allowed_models", "budget_id"].contains { body[$0] != nil }
    }

    public func members(_ name: String) throws -> [(userID: String?, email: String?, role: TeamMember.Role)]? {
        try memberEntries(name)?.map { userID, email, roleText in
            guard let role = TeamMember.Role(rawValue: roleText ?? "user") else {
                throw GatewayError.badRequest("A member's `role` must be admin or user.", param: name)
            }
            return (userID, email, role)
        }
    }

    /// Members as `member` (one object or a list) gives them: each with a `user_id` or a
    /// `user_email`, and the `role` as written.
    public func memberEntries(_ name: String) throws -> [(userID: String?, email: String?, role: String?)]? {
        let items: [JSONValue]
        switch body[name] {
        case nil, .null?: return nil
        case .object?: items = [body[name]!]
        case .array(let list)?: items = list
        default: throw GatewayError.badRequest("`\(name)` must be a member object or a list of them.", param: name)
        }
        return try items.map { item in
            guard case .object = item else { throw GatewayError.badRequest("`\(name)` entries must be objects.", param: name) }
            let userID = item["user_id"]?.stringValue
            let email = item["user_email"]?.stringValue
            guard userID != nil || email != nil else {
                throw GatewayError.badRequest("Each member needs a `user_id` or a `user_email`.", param: name)
            }
            return (userID, email, item["role"]?.stringValue)
        }
    }
}
