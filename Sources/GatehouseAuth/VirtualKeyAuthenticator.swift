import Foundation
public import GatehouseCore
public import GatehouseStore

/// API keys issued through the management API, checked against the in-memory `IdentityCache`: no
/// database call on the request path while every key is held; with a bounded cache, one indexed
/// lookup the first time a key is used (`KeyLookup`). A generated-shape key with a bad checksum is
/// refused before any lookup; blocked and expired keys are refused at once (expiry to the second).
public struct VirtualKeyAuthenticator: Authenticator {
    let keys: KeyLookup
    let now: @Sendable () -> Date

    public init(keys: KeyLookup, now: @escaping @Sendable () -> Date = Date.init) {
        self.keys = keys
        self.now = now
    }

    /// Every key held by the cache.
    public init(cache: IdentityCache, now: @escaping @Sendable () -> Date = Date.init) {
        self.init(keys: KeyLookup(cache: cache, store: nil), now: now)
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        let secret = credential.secret
        if APIKeyFormat.isGeneratedShape(secret), !APIKeyFormat.hasValidChecksum(secret) {
            throw GatewayError.unauthorized("Invalid API key.")
        }
        // A JWT is never a key: a bounded cache does not ask the store about one.
        guard secret.utf8.count >= APIKeyFormat.minimumImportedLength,
            let resolved = try await keys.resolve(credential.digest, at: now(), fromStore: !CompactJWT.looksLikeJWT(secret))
        else {
            return nil
        }
        // Read in place: a copy of the grant would retain each of its fields once more.
        if resolved.grant.blocked { throw GatewayError.unauthorized("This API key is blocked.") }
        if resolved.grant.isExpired(at: now()) { throw GatewayError.unauthorized("This API key has expired.") }
        if resolved.teamBlocked { throw GatewayError.unauthorized("This API key's team is blocked.") }
        return Principal(id: resolved.grant.id, method: .apiKey, actingAs: resolved)
    }
}
