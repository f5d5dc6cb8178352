import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Tokens for people (the device flow today): an access token acting as the person and a refresh
/// token, rotated at every use; a used refresh token presented again revokes its whole family,
/// access tokens included.
struct PersonGrants: Sendable {
    let tokens: OwnTokenAuthenticator
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed
    let settings: OAuthServerSettings
    let audit: Audit
    let metrics: GatewayMetrics
    /// How long a refresh token lasts unused (each use replaces it with a new one).
    static let refreshLifetime: TimeInterval = 30 * 86_400

    var people: PersonTokenStore { store.people }

    /// Tokens of a grant: an access token and a refresh token of the grant's family.
    /// - Parameter grant: the grant that asked (for the metrics).
    func issue(userID: String, clientID: String, scope: String, familyID: String, grant: String, address: String?) async throws -> JSONValue {
        metrics.personFlow("token", grant == OAuthClient.Grant.deviceCode ? "device_code" : grant)
        let now = Date()
        let refresh = RefreshToken.newSecret()
        try await people.pruneRefreshTokens(at: now)
        try await people.insert(
            RefreshToken(
                id: APIKeyFormat.hash(refresh), familyID: familyID, userID: userID, clientID: clientID, scope: scope,
                expiresAt: now + Self.refreshLifetime, createdAt: now))
        let scopes = scope.split(separator: " ").map(String.init)
        let access = try tokens.issue(toUser: userID, clientID: clientID, scopes: scopes, familyID: familyID, lifetime: settings.tokenLifetimeSeconds)
        audit.record(
            AuditEvent(
                action: .tokenIssue, actor: ObjectRef.user(userID).description, about: .user(userID), outcome: .success, address: address,
                details: ["client_id": .string(clientID), "scope": .string(scope), "family": .string(familyID)]))
        return [
            "access_token": .string(access), "token_type": "Bearer", "expires_in": JSONValue(Int(saturating: settings.tokenLifetimeSeconds)),
            "refresh_token": .string(refresh), "scope": .string(scope),
        ]
    }

    /// The refresh token grant: the token is used up and replaced. - Returns: the new tokens, or
    /// the OAuth error code (`invalid_grant`) when the token is unknown, expired, revoked, of
    /// another client, or used before (then its family is revoked).
    func refresh(_ presented: String, clientID: String, address: String?) async throws -> Result<JSONValue, RefreshRefusal> {
        let now = Date()
        guard let token = try await people.refreshToken(id: APIKeyFormat.hash(presented)), token.clientID == clientID, !token.revoked,
            token.expiresAt > now
        else { return .failure(.invalid) }
        guard try await people.use(id: token.id, at: now) else {
            // Used before: whoever holds it now is not who it was issued to, or both are.
            try await revokeFamily(token.familyID)
            metrics.personFlow("reuse", "refresh_token")
            audit.record(
                AuditEvent(
                    action: .tokenReuse, actor: ObjectRef.user(token.userID).description, about: .user(token.userID), outcome: .denied,
                    address: address, details: ["family": .string(token.familyID), "client_id": .string(clientID)]))
            return .failure(.reused)
        }
        guard cache.role(ofUser: token.userID) != nil else { return .failure(.invalid) }
        return .success(
            try await issue(
                userID: token.userID, clientID: clientID, scope: token.scope, familyID: token.familyID, grant: OAuthClient.Grant.refreshToken,
                address: address))
    }

    enum RefreshRefusal: Error {
        case invalid
        case reused
    }

    /// Ends a family: its refresh tokens, and its access tokens on every instance.
    func revokeFamily(_ familyID: String) async throws {
        try await people.revokeFamily(familyID)
        let entry = OwnTokenAuthenticator.familyRevocation(familyID)
        // Held as long as any access token of the family may live.
        try await store.oauth.revoke(tokenID: entry, expiresAt: Date() + Self.refreshLifetime + settings.tokenLifetimeSeconds)
        cache.revoke(tokenID: entry)
        try await feed.publish(.revokedToken(entry))
    }
}
