public import Foundation
public import GatehouseCore
public import GatehouseStore

/// Session cookies as credentials: the session is looked up by its secret's digest in the store
/// (so that a logout, a password change or a deleted user ends it on every instance at once),
/// and must be within its lifetime and idle timeout; the principal is then its user's, with the
/// user's role, models and limits and those of the user's organization.
public struct SessionAuthenticator: Sendable {
    let store: LoginStore
    let cache: IdentityCache
    public let lifetime: TimeInterval
    public let idleTimeout: TimeInterval
    let now: @Sendable () -> Date
    /// The master key's sign-in, when it may sign in at `/login`.
    public let master: MasterSignIn?
    /// How stale a session's last-seen time may get before a request writes it again.
    static let touchInterval: TimeInterval = 60

    public init(
        store: LoginStore, cache: IdentityCache, lifetime: TimeInterval, idleTimeout: TimeInterval, master: MasterSignIn? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.master = master
        self.store = store
        self.cache = cache
        self.lifetime = lifetime
        self.idleTimeout = idleTimeout
        self.now = now
    }

    /// - Throws: 401 when the session is unknown, ended, expired or idle too long, or its user is
    ///   gone; 503 when the store cannot be reached.
    public func authenticate(_ token: SessionToken) async throws -> Principal {
        let ended = GatewayError.unauthorized("The session has ended; sign in again.")
        guard SessionToken.isWellFormed(token.secret) else { throw ended }
        let session: LoginSession?
        do {
            session = try await store.session(id: token.storageID)
        } catch {
            throw GatewayError.unavailable("Sessions cannot be checked right now.")
        }
        guard let session else { throw ended }
        let time = now()
        if time >= session.expiresAt || time.timeIntervalSince(session.lastSeenAt) >= idleTimeout {
            try? await store.delete(id: session.id)
            throw ended
        }
        if MasterSignIn.isReserved(session.userID) {
            // The master key's session: only while that master key is the one configured.
            guard session.userID == master?.sessionUserID else { throw ended }
            if time.timeIntervalSince(session.lastSeenAt) >= Self.touchInterval { try? await store.touch(id: session.id, at: time) }
            return Principal(id: "session:master", method: .session, role: .proxyAdmin)
        }
        guard let role = cache.role(ofUser: session.userID) else { throw ended }
        if time.timeIntervalSince(session.lastSeenAt) >= Self.touchInterval { try? await store.touch(id: session.id, at: time) }
        let chain = cache.chain(userID: session.userID, teamID: nil, organizationID: nil)
        return Principal(id: "session:" + session.userID, method: .session, role: role, userID: session.userID, chain: chain)
    }

    /// Starts a session for a user who has just proved their password. - Returns: its token and record.
    public func start(userID: String, address: String?) async throws -> (SessionToken, LoginSession) {
        let token = SessionToken.generate()
        let time = now()
        try? await store.deleteExpired(now: time, idleSince: time - idleTimeout)
        let session = LoginSession(id: token.storageID, userID: userID, createdAt: time, expiresAt: time + lifetime, address: address)
        try await store.insert(session)
        return (token, session)
    }

    /// The stored session the token names (for its expiry), if any.
    public func session(_ token: SessionToken) async throws -> LoginSession? {
        guard SessionToken.isWellFormed(token.secret) else { return nil }
        return try await store.session(id: token.storageID)
    }

    /// Ends the session the token names. - Returns: whether there was one.
    @discardableResult
    public func end(_ token: SessionToken) async throws -> Bool {
        guard SessionToken.isWellFormed(token.secret) else { return false }
        return try await store.delete(id: token.storageID)
    }
}
