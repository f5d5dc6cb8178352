import Foundation

/// An API key an admin issued: its stored form (never the key itself) and what it may do.
public struct VirtualKey: Sendable, Equatable {
    /// Stable identifier, safe to log and to pass to the management API (LiteLLM's `token`).
    public var id: String
    /// `APIKeyFormat.hash` of the key.
    public var hash: String
    /// `sk-…abcd`.
    public var display: String
    public var alias: String?
    /// Models the key may use; empty means every model its team and organization allow.
    public var models: [String] = []
    public var metadata: JSONValue = [:]
    public var userID: String?
    public var teamID: String?
    public var organizationID: String?
    public var limits = Limits()
    /// The shared budget whose limits apply where the key sets none of its own.
    public var budgetID: String?
    public var allowedRoutes: [String] = []
    public var blocked = false
    public var expiresAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var spend = 0.0
    /// After `/key/regenerate` with a grace period: the replaced key's hash, valid until then.
    public var previousHash: String?
    public var previousValidUntil: Date?

    public init(id: String, hash: String, display: String, createdAt: Date = Date()) {
        self.id = id
        self.hash = hash
        self.display = display
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// A new random key id.
    public static func newID() -> String {
        DirectoryID.new("key")
    }

    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}
