import Logging
public import ServiceLifecycle

/// Tells every instance sharing the database that a key changed, so each updates its `KeyCache`.
public protocol KeyChangeFeed: Sendable {
    func publish(keyID: String) async throws
}

/// One instance on its own SQLite file: the local cache is already up to date.
public struct LocalKeyChangeFeed: KeyChangeFeed {
    public init() {}
    public func publish(keyID: String) async throws {}
}
