public import GatehouseCore
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Passwords as bcrypt hashes, hashed and checked on NIO's thread pool (bcrypt at cost 12 is a
/// quarter of a second of CPU: never on an event loop). An unknown user is checked against a
/// dummy hash of the same cost, so that "no such user" and "wrong password" take as long.
public struct PasswordHasher: Sendable {
    public let cost: Int
    /// Made at the first sign-in attempt, not at start (bcrypt at cost 12 is slow).
    private let dummy = DummyHash()
    /// Passwords shorter than this are refused when set.
    public static let minimumLength = 12
    /// bcrypt reads 72 bytes: a longer password would be cut silently, so it is refused.
    public static let maximumBytes = 72

    public init(cost: Int) {
        self.cost = cost
    }

    /// - Throws: 400 for a password too short, too long for bcrypt, or holding a NUL byte.
    public static func check(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw GatewayError.invalidRequest("A password needs at least \(minimumLength) characters.", param: "password")
        }
        guard password.utf8.count <= maximumBytes, !password.utf8.contains(0) else {
            throw GatewayError.invalidRequest("A password may have at most \(maximumBytes) bytes and no NUL character.", param: "password")
        }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (no such user, no password set), false
    /// after the same work.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let acceptable = password.utf8.count <= Self.maximumBytes && !password.utf8.contains(0)
        let cost = UInt8(cost)
        let dummy = self.dummy
        let matches =
            (try? await NIOThreadPool.singleton.runIfActive {
                // Made (once) whether or not it is needed: the first attempt of all is as slow for a
                // known user as for an unknown one.
                let stand = dummy.hash(cost: cost)
                return Bcrypt.verify(acceptable ? password : "", hash: hash ?? stand)
            }) ?? false
        return matches && acceptable && hash != nil
    }
}

/// The hash an unknown user's password is checked against, made once.
private final class DummyHash: Sendable {
    private let made = Mutex<String?>(nil)

    func hash(cost: UInt8) -> String {
        if let hash = made.withLock({ $0 }) { return hash }
        let hash = Bcrypt.hash("gatehouse-no-such-user", cost: cost)
        made.withLock { $0 = hash }
        return hash
    }
}
