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

/// Random identifiers for directory objects: a readable prefix and 96 random bits.
public enum DirectoryID {
    public static func new(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return prefix + "_" + String((0..<24).map { _ in hex[Int(generator.next(upperBound: 16 as UInt64))] })
    }
}
