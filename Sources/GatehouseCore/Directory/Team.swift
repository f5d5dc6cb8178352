import Foundation

/// A group of users sharing models, limits and a budget. Keys issued to the team are bounded by
/// its models (and its organization's); a blocked team's keys are refused.
public struct Team: Sendable, Equatable {
    public var id: String
    public var alias: String?
    public var organizationID: String?
    public var models: [String] = []
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

    public init(userID: String, role: Role) {
        self.userID = userID
        self.role = role
    }
}
