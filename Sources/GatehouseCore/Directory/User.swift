import Foundation

/// A person or service account that keys belong to. Its role decides what its keys may do on the
/// management API; its models bound its personal keys (keys without a team).
public struct User: Sendable, Equatable {
    public var id: String
    public var email: String?
    public var alias: String?
    public var role: Principal.Role = .internalUser
    public var models: [String] = []
    public var limits = Limits()
    public var metadata: JSONValue = [:]
    public var organizationID: String?
    public var spend = 0.0
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, createdAt: Date = Date()) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
