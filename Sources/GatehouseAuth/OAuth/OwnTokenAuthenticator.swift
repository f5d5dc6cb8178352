import Foundation
public import GatehouseCore
public import GatehouseStore

/// Access tokens Gatehouse issued itself (`/oauth/token`): ES256 or EdDSA JWTs with `typ:
/// at+jwt`, checked against its own signing keys. The token names the client; everything else —
/// models, user, team, organization, blocked — is read from the client as it is now, so blocking
/// or deleting a client, or revoking a token, holds from the next request.
public struct OwnTokenAuthenticator: Authenticator {
    /// The claims of a verified token that the request path needs.
    public struct Claims: Sendable {
        public var clientID: String
        public var tokenID: String
        public var scope: String
        public var issuedAt: Date
        public var expiresAt: Date
        /// `cnf.x5t#S256`: the certificate the token is bound to (RFC 8705), if any.
        public var certificateThumbprint: String?
        /// A person's token (device flow): the user it acts for, and its refresh-token family
        /// (revoked whole when a used refresh token comes back).
        public var userID: String?
        public var familyID: String?
    }

    /// The revocation entry that ends every token of a refresh-token family.
    public static func familyRevocation(_ familyID: String) -> String { "family:" + familyID }

    public let issuer: String
    let ring: SigningKeyRing
    let cache: IdentityCache
    let verified = ExpiringCache<Claims>()
    /// Tokens some other issuer made: remembered so that they are not parsed again on every request.
    let foreign = ExpiringCache<Bool>()
    let now: @Sendable () -> Date

    public init(issuer: String, ring: SigningKeyRing, cache: IdentityCache, now: @escaping @Sendable () -> Date = Date.init) {
        self.issuer = issuer
        self.ring = ring
        self.cache = cache
        self.now = now
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        guard CompactJWT.looksLikeJWT(credential.secret) else { return nil }
        let clock = now()
        let claims: Claims
        if let known = verified.get(credential.digest, at: clock) {
            claims = known
        } else {
            if foreign.get(credential.digest, at: clock) != nil { return nil }
            guard let fresh = try await verify(credential.secret, at: clock) else {
                foreign.put(credential.digest, true, until: clock.addingTimeInterval(300))
                return nil
            }
            claims = fresh
            verified.put(credential.digest, claims, until: claims.expiresAt)
        }
        if let bound = claims.certificateThumbprint, credential.clientCertificate?.thumbprint != bound {
            throw GatewayError.unauthorized("This token is bound to a client certificate this connection did not present.")
        }
        guard let principal = principal(claims) else { throw GatewayError.unauthorized("Invalid token: it was revoked or its client is blocked.") }
        return principal
    }

    /// The token's claims if Gatehouse issued it and it is valid now; nil when another issuer
    /// made it. Revocation and the client's state are not checked here.
    /// - Throws: `GatewayError` (401) for a token of this issuer that is not valid.
    public func verify(_ token: String, at clock: Date) async throws -> Claims? {
        do {
            return try await verifyClaims(token, at: clock)
        } catch let error as TokenError {
            throw error.gatewayError
        }
    }

    func verifyClaims(_ token: String, at clock: Date) async throws -> Claims? {
        let jwt = try CompactJWT(token)
        guard jwt.payload["iss"]?.stringValue == issuer else { return nil }
        guard let algorithm = jwt.header["alg"]?.stringValue, let kid = jwt.header["kid"]?.stringValue else {
            throw TokenError.malformed("the header needs `alg` and `kid`")
        }
        var key = ring.verificationKey(kid: kid)
        if key == nil {
            await ring.reloadIfStale()
            key = ring.verificationKey(kid: kid)
        }
        guard let key, key.admits(algorithm), key.verifies(jwt.signature, over: jwt.signingInput, algorithm: algorithm) else {
            throw TokenError.rejected("the signature does not verify")
        }
        guard jwt.header["typ"]?.stringValue == "at+jwt" else { throw TokenError.rejected("not an access token") }
        guard let exp = jwt.payload["exp"]?.doubleValue, let iat = jwt.payload["iat"]?.doubleValue else {
            throw TokenError.rejected("`exp` and `iat` are required")
        }
        guard clock.timeIntervalSince1970 < exp else { throw TokenError.rejected("the token has expired") }
        guard ClaimMapping.strings(jwt.payload["aud"]).contains(issuer) else { throw TokenError.rejected("the token is meant for another audience") }
        guard let clientID = jwt.payload["client_id"]?.stringValue, let tokenID = jwt.payload["jti"]?.stringValue else {
            throw TokenError.rejected("`client_id` and `jti` are required")
        }
        return Claims(
            clientID: clientID, tokenID: tokenID, scope: jwt.payload["scope"]?.stringValue ?? "", issuedAt: Date(timeIntervalSince1970: iat),
            expiresAt: Date(timeIntervalSince1970: exp), certificateThumbprint: jwt.payload["cnf"]?["x5t#S256"]?.stringValue,
            userID: jwt.payload["user_id"]?.stringValue, familyID: jwt.payload["fam"]?.stringValue)
    }

    /// The Principal for a verified token, or nil when it is revoked or its client is gone or
    /// blocked (or its team is blocked).
    public func principal(_ claims: Claims) -> Principal? {
        guard !cache.isRevoked(tokenID: claims.tokenID) else { return nil }
        if let userID = claims.userID {
            // A person's token acts as the person, as their session would.
            if let family = claims.familyID, cache.isRevoked(tokenID: Self.familyRevocation(family)) { return nil }
            guard let role = cache.role(ofUser: userID) else { return nil }
            let chain = cache.chain(userID: userID, teamID: nil, organizationID: nil)
            var principal = Principal(id: "oauth:user:" + userID, method: .oauth, role: role, userID: userID, chain: chain)
            Self.narrow(&principal, scope: claims.scope)
            return principal
        }
        guard let client = cache.client(claims.clientID), !client.blocked else { return nil }
        let chain = cache.chain(userID: client.userID, teamID: client.teamID, organizationID: client.organizationID)
        guard !chain.teamBlocked else { return nil }
        var principal = Principal(
            id: "oauth:gatehouse:\(claims.clientID)", method: .oauth, role: .internalUser, userID: client.userID, teamID: client.teamID,
            organizationID: client.organizationID, models: client.models, chain: chain)
        principal.carry(client.limits, as: .client, id: claims.clientID)
        return principal
    }

    /// What a person's token may do, narrowed by its scopes (never widened): `models:<name>`
    /// entries are the only models it may use (within the person's own), and `inference` keeps
    /// it to the model routes (no management API). Other scopes mean nothing to Gatehouse.
    public static func narrow(_ principal: inout Principal, scope: String) {
        let scopes = scope.split(separator: " ").map(String.init)
        let models = scopes.compactMap { $0.hasPrefix(modelScope) ? String($0.dropFirst(modelScope.count)) : nil }.filter { !$0.isEmpty }
        if !models.isEmpty { principal.allowedModels = models }
        if scopes.contains(inferenceScope) { principal.allowedRoutes = ["llm_api_routes"] }
    }

    public static let modelScope = "models:"
    public static let inferenceScope = "inference"

    /// A new access token for a client; bound to `certificate` (RFC 8705) when the client asked
    /// for it over a connection that presented one.
    public func issue(to client: OAuthClient, scopes: [String], lifetime: Double, certificate: ClientCertificate? = nil) throws -> String {
        var claims = baseClaims(subject: client.id, clientID: client.id, scopes: scopes, lifetime: lifetime)
        if let certificate { claims["cnf"] = ["x5t#S256": .string(certificate.thumbprint)] }
        return try ring.sign(claims)
    }

    /// A new access token for a person, through a client of theirs (`gatehouse login`), of a
    /// refresh-token family.
    public func issue(toUser userID: String, clientID: String, scopes: [String], familyID: String, lifetime: Double) throws -> String {
        var claims = baseClaims(subject: "user:" + userID, clientID: clientID, scopes: scopes, lifetime: lifetime)
        claims["user_id"] = .string(userID)
        claims["fam"] = .string(familyID)
        return try ring.sign(claims)
    }

    func baseClaims(subject: String, clientID: String, scopes: [String], lifetime: Double) -> JSONValue {
        let clock = now().timeIntervalSince1970.rounded(.down)
        var random = SystemRandomNumberGenerator()
        let tokenID = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        return [
            "iss": .string(issuer), "aud": .string(issuer), "sub": .string(subject), "client_id": .string(clientID),
            "scope": .string(scopes.joined(separator: " ")), "iat": .number(clock), "exp": .number(clock + lifetime), "jti": .string(tokenID),
        ]
    }
}
