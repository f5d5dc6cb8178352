import Foundation
public import GatehouseCore
public import GatehouseStore

/// API keys issued through the management API, checked against the in-memory `KeyCache`: no
/// database call on the request path. A generated-shape key with a bad checksum is refused before
/// any lookup; blocked and expired keys are refused at once (expiry to the second).
public struct VirtualKeyAuthenticator: Authenticator {
    let cache: KeyCache
    let now: @Sendable () -> Date

    public init(cache: KeyCache, now: @escaping @Sendable () -> Date = Date.init) {
        self.cache = cache
        self.now = now
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        let secret = credential.secret
        if APIKeyFormat.isGeneratedShape(secret), !APIKeyFormat.hasValidChecksum(secret) {
            throw GatewayError.unauthorized("Invalid API key.")
        }
        guard secret.utf8.count >= APIKeyFormat.minimumImportedLength, let key = cache.grant(for: credential.digest) else {
            return nil
        }
        if key.blocked { throw GatewayError.unauthorized("This API key is blocked.") }
        if key.isExpired(at: now()) { throw GatewayError.unauthorized("This API key has expired.") }
        var principal = Principal(
            id: key.id, method: .apiKey, role: .internalUser, userID: key.userID, teamID: key.teamID,
            organizationID: key.organizationID, allowedModels: key.models
        )
        principal.allowedRoutes = key.allowedRoutes
        return principal
    }
}
