public import GatehouseCore

/// The master key signing in at `/login` as the proxy admin, as LiteLLM's UI lets it (username
/// `admin`, the master key as password), through the same lockout and audit as any sign-in. Its
/// sessions are stored under a user id no user may have, derived from the master key: a new
/// master key ends every session the old one started.
public struct MasterSignIn: Sendable {
    /// The username LiteLLM's UI signs the master key in with.
    public static let username = "admin"
    /// What shows as the session's user.
    public static let shownUser = "admin"
    static let prefix = "gatehouse:master:"
    let digest: KeyDigest
    /// The stored session's user id: the prefix, then 64 bits of a digest of the master key.
    public let sessionUserID: String

    public init(masterKey: String) {
        digest = KeyDigest(key: masterKey)
        sessionUserID = Self.prefix + APIKeyFormat.hash("gatehouse master session:" + masterKey).prefix(16)
    }

    /// Whether a password is the master key (compared as digests, in constant time).
    public func matches(_ password: String) -> Bool {
        KeyDigest(key: password).constantTimeEquals(digest)
    }

    /// Whether an id belongs to master sessions (never a user's: the management API refuses it).
    public static func isReserved(_ userID: String) -> Bool { userID.hasPrefix("gatehouse:") }
}
