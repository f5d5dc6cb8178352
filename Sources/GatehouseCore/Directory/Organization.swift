import Foundation

/// The outermost level of the chain: its models bound every team (and key) inside it.
public struct Organization: Sendable, Equatable {
    public var id: String
    public var alias: String
    public var models: [String] = []
    public var limits = Limits()
    public var metadata: JSONValue = [:]
    public var spend = 0.0
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, alias: String, createdAt: Date = Date()) {
        self.id = id
        self.alias = alias
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
