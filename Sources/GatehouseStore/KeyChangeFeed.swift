/// Tells every process sharing the database that a key changed, so each updates its `KeyCache`.
public protocol KeyChangeFeed: Sendable {
    func publish(keyID: String) async throws
}
