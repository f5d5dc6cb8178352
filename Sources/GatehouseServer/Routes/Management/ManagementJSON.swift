import Foundation
import GatehouseCore

/// Keys, users, teams and organizations as the management API shows them, with LiteLLM's field
/// names. Never a key's hash, never the key itself.
enum ManagementJSON {
    static func key(_ key: VirtualKey) -> JSONValue {
        var info = limits(key.limits)
        info["token"] = .string(key.id)
        info["key_name"] = .string(key.display)
        info["key_alias"] = optional(key.alias)
        info["models"] = strings(key.models)
        info["metadata"] = key.metadata
        info["user_id"] = optional(key.userID)
        info["team_id"] = optional(key.teamID)
        info["organization_id"] = optional(key.organizationID)
        info["allowed_routes"] = strings(key.allowedRoutes)
        info["blocked"] = .bool(key.blocked)
        info["expires"] = key.expiresAt.map { .string(timestamp($0)) } ?? .null
        info["created_at"] = .string(timestamp(key.createdAt))
        info["updated_at"] = .string(timestamp(key.updatedAt))
        info["spend"] = .number(key.spend)
        info["budget_id"] = optional(key.budgetID)
        return .object(info)
    }

    /// LiteLLM's `CustomerResponse`, with the budget's limits in `litellm_budget_table`.
    static func endUser(_ endUser: EndUser, budget: Budget?) -> JSONValue {
        [
            "user_id": .string(endUser.id), "alias": optional(endUser.alias), "blocked": .bool(endUser.blocked),
            "budget_id": optional(endUser.budgetID), "litellm_budget_table": budget.map { budgetTable($0.limits, id: $0.id) } ?? .null,
            "allowed_model_region": optional(endUser.allowedModelRegion), "default_model": optional(endUser.defaultModel),
            "models": strings(endUser.models), "metadata": endUser.metadata, "spend": .number(endUser.spend),
            "created_at": .string(timestamp(endUser.createdAt)), "updated_at": .string(timestamp(endUser.updatedAt)),
        ]
    }

    /// A row of LiteLLM's budget table, with Gatehouse's further limits.
    static func budget(_ budget: Budget) -> JSONValue {
        var info = limits(budget.limits)
        info["budget_id"] = .string(budget.id)
        info["created_by"] = optional(budget.createdBy)
        info["created_at"] = .string(timestamp(budget.createdAt))
        info["updated_at"] = .string(timestamp(budget.updatedAt))
        return .object(info)
    }

    static func user(_ user: User, teams: [String] = []) -> JSONValue {
        var info = limits(user.limits)
        info["user_id"] = .string(user.id)
        info["user_email"] = optional(user.email)
        info["user_alias"] = optional(user.alias)
        info["user_role"] = .string(user.role.rawValue)
        info["models"] = strings(user.models)
        info["metadata"] = user.metadata
        info["organization_id"] = optional(user.organizationID)
        info["teams"] = strings(teams)
        info["spend"] = .number(user.spend)
        info["created_at"] = .string(timestamp(user.createdAt))
        info["updated_at"] = .string(timestamp(user.updatedAt))
        return .object(info)
    }

    /// - Parameter emails: members' emails by user id (`user_email` of `members_with_roles`).
    static func team(_ team: Team, emails: [String: String] = [:]) -> JSONValue {
        var info = limits(team.limits)
        info["team_id"] = .string(team.id)
        info["team_alias"] = optional(team.alias)
        info["organization_id"] = optional(team.organizationID)
        info["models"] = strings(team.models)
        info["model_aliases"] = .object(team.modelAliases.mapValues(JSONValue.string))
        info["metadata"] = team.metadata
        info["blocked"] = .bool(team.blocked)
        info["spend"] = .number(team.spend)
        info["members_with_roles"] = .array(team.members.map { member($0, email: emails[$0.userID]) })
        info["admins"] = strings(team.members.filter { $0.role == .admin }.map(\.userID))
        info["members"] = strings(team.members.map(\.userID))
        info["created_at"] = .string(timestamp(team.createdAt))
        info["updated_at"] = .string(timestamp(team.updatedAt))
        return .object(info)
    }

    /// - Parameter teams: the organization's teams, as `json(_:)` shows them.
    /// A team member: id, email, role, and their own limits in the team when they have any.
    static func member(_ member: TeamMember, email: String? = nil) -> JSONValue {
        var entry: JSONValue = ["user_id": .string(member.userID), "user_email": optional(email), "role": .string(member.role.rawValue)]
        if case .object(let bounds)? = member.boundsJSON { for (name, value) in bounds { entry[name] = value } }
        return entry
    }

    static func organization(_ organization: Organization, teams: [JSONValue]? = nil) -> JSONValue {
        var info = limits(organization.limits)
        info["organization_id"] = .string(organization.id)
        info["organization_alias"] = .string(organization.alias)
        info["models"] = strings(organization.models)
        info["metadata"] = organization.metadata
        info["spend"] = .number(organization.spend)
        info["created_at"] = .string(timestamp(organization.createdAt))
        info["updated_at"] = .string(timestamp(organization.updatedAt))
        // LiteLLM keeps an organization's limits in a budget row of their own and shows it here.
        info["litellm_budget_table"] = budgetTable(organization.limits)
        if let teams { info["teams"] = .array(teams) }
        return .object(info)
    }

    /// Never the secret or its hash.
    static func oauthClient(_ client: OAuthClient) -> JSONValue {
        var info = limits(client.limits)
        info["client_id"] = .string(client.id)
        info["name"] = optional(client.name)
        info["scopes"] = strings(client.scopes)
        info["models"] = strings(client.models)
        info["user_id"] = optional(client.userID)
        info["team_id"] = optional(client.teamID)
        info["organization_id"] = optional(client.organizationID)
        info["metadata"] = client.metadata
        info["blocked"] = .bool(client.blocked)
        info["grant_types"] = strings(client.grantTypes)
        info["redirect_uris"] = strings(client.redirectURIs)
        info["public"] = .bool(client.isPublic)
        info["created_at"] = .string(timestamp(client.createdAt))
        info["updated_at"] = .string(timestamp(client.updatedAt))
        return .object(info)
    }

    static func limits(_ limits: Limits) -> [String: JSONValue] {
        [
            "max_budget": limits.maxBudget.map(JSONValue.number) ?? .null,
            "budget_duration": optional(limits.budgetDuration),
            "rpm_limit": limits.rpmLimit.map { JSONValue($0) } ?? .null,
            "tpm_limit": limits.tpmLimit.map { JSONValue($0) } ?? .null,
            "max_parallel_requests": limits.maxParallelRequests.map { JSONValue($0) } ?? .null,
            "soft_budget": limits.softBudget.map(JSONValue.number) ?? .null,
            "rpd_limit": limits.rpdLimit.map { JSONValue($0) } ?? .null,
            "tpd_limit": limits.tpdLimit.map { JSONValue($0) } ?? .null,
            "model_rpm_limit": .object(limits.modelRPMLimit.mapValues { JSONValue($0) }),
            "model_tpm_limit": .object(limits.modelTPMLimit.mapValues { JSONValue($0) }),
            "allowed_ips": .array(limits.allowedIPs.map { .string($0.description) }),
            "budget_admission": optional(limits.budgetAdmission?.rawValue),
        ]
    }

    /// Limits in the shape of LiteLLM's `LiteLLM_BudgetTable`.
    static func budgetTable(_ limits: Limits, id: String? = nil) -> JSONValue {
        let all = self.limits(limits)
        var table: [String: JSONValue] = ["budget_id": optional(id)]
        for name in ["max_budget", "soft_budget", "max_parallel_requests", "tpm_limit", "rpm_limit", "tpd_limit", "budget_duration"] {
            table[name] = all[name]
        }
        return .object(table)
    }

    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
