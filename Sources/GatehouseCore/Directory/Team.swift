import Foundation

/// A group of users sharing models, limits and a budget. Keys issued to the team are bounded by
/// its models (and its organization's); a blocked team's keys are refused.
public struct Team: Sendable, Equatable {
    public var id: String
    public var alias: String?
    public var organizationID: String?
    public var models: [String] = []
    /// `model_aliases`: names the team's keys may ask for in place of a model (`{"gpt-4": "gpt-4o-team"}`).
    public var modelAliases: [String: String] = [:]
    public var limits = Limits()
    public var metadata: JSONValue = [:]
    public var blocked = false
    public var spend = 0.0
    /// Filled by the store when a team is read with its members.
    public var members: [TeamMember] = []
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, createdAt: Date = Date()) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public func role(of userID: String) -> TeamMember.Role? {
        members.first { $0.userID == userID }?.role
    }
}

/// A user's place in a team (LiteLLM's `members_with_roles`). Team admins manage the team's keys
/// and members.
public struct TeamMember: Sendable, Equatable {
    public enum Role: String, Sendable {
        case admin
        case user
    }

    public var userID: String
    public var role: Role
    /// The member's own limits in this team (`max_budget_in_team`, `budget_duration`,
    /// `rpm_limit`, `tpm_limit`), for requests made as this user in this team.
    public var limits = Limits()
    /// Models the member may use in this team (within the team's); empty: the team's.
    public var models: [String] = []
    /// The shared budget whose limits apply where the member's own set none.
    public var budgetID: String?

    public init(userID: String, role: Role, limits: Limits = Limits(), models: [String] = []) {
        self.userID = userID
        self.role = role
        self.limits = limits
        self.models = models
    }

    /// The member's limits and models as stored: LiteLLM's names, only what is set.
    public var boundsJSON: JSONValue? {
        var fields: [String: JSONValue] = [:]
        if let budget = limits.maxBudget { fields["max_budget_in_team"] = .number(budget) }
        if let duration = limits.budgetDuration { fields["budget_duration"] = .string(duration) }
        if let rpm = limits.rpmLimit { fields["rpm_limit"] = JSONValue(rpm) }
        if let tpm = limits.tpmLimit { fields["tpm_limit"] = JSONValue(tpm) }
        if !models.isEmpty { fields["allowed_models"] = .array(models.map(JSONValue.string)) }
        if let budgetID { fields["budget_id"] = .string(budgetID) }
        return fields.isEmpty ? nil : .object(fields)
    }

    /// Reads `boundsJSON` back (a field that is not what it should be is left unset).
    public mutating func apply(bounds: JSONValue?) {
        guard let bounds else { return }
        limits.maxBudget = bounds["max_budget_in_team"]?.doubleValue
        limits.budgetDuration = bounds["budget_duration"]?.stringValue
        limits.rpmLimit = bounds["rpm_limit"]?.intValue
        limits.tpmLimit = bounds["tpm_limit"]?.intValue
        models = bounds["allowed_models"]?.arrayValue?.compactMap(\.stringValue) ?? []
        budgetID = bounds["budget_id"]?.stringValue
    }
}
