import Foundation
public import GatehouseCore
public import GatehouseStore

/// Bearer JWTs from the configured issuers (RFC 7519, checked as RFC 8725 asks). The issuer is
/// chosen by `iss`, the key by `kid` among that issuer's keys only, the algorithm must be one
/// the issuer allows and the key admits; `jwk`, `jku` and `x5u` headers are never followed.
/// A verified token is remembered by its digest until it expires, so repeating it costs no
/// signature check. Its team and organization bound it like a key's.
public struct JWTAuthenticator: Authenticator {
    let issuers: [String: JWTIssuerKeys]
    let cache: IdentityCache
    /// Verified tokens until they expire (plus leeway), with their issuer.
    let verified = ExpiringCache<(TokenIdentity, JWTIssuerKeys)>()
    /// Lookups of verified tokens that were remembered, and that were not.
    public var cacheLookups: (hits: Int, misses: Int) { verified.lookups }
    /// Tokens of issuers not configured here (left to introspection): not parsed again each time.
    let foreign = ExpiringCache<Bool>()
    let provisioner: (any TokenProvisioner)?
    let now: @Sendable () -> Date
    /// Where a bounded key cache reads a key a token names that it does not hold.
    public var keys: KeyLookup?

    public init(
        issuers: [JWTIssuerKeys], cache: IdentityCache, provisioner: (any TokenProvisioner)? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.issuers = Dictionary(issuers.map { ($0.settings.issuer, $0) }, uniquingKeysWith: { first, _ in first })
        self.cache = cache
        self.provisioner = provisioner
        self.now = now
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        guard CompactJWT.looksLikeJWT(credential.secret) else { return nil }
        let clock = now()
        if let (identity, issuer) = verified.get(credential.digest, at: clock) {
            return try await principal(identity, issuer: issuer, at: clock)
        }
        if foreign.get(credential.digest, at: clock) != nil { return nil }
        let verifiedNow: (TokenIdentity, JWTIssuerKeys)?
        do {
            verifiedNow = try await verify(credential.secret, at: clock)
        } catch let error as TokenError {
            throw error.gatewayError
        }
        guard let (identity, issuer) = verifiedNow else {
            foreign.put(credential.digest, true, until: clock.addingTimeInterval(300))
            return nil
        }
        try await identity.provision(issuer.settings.mapping, with: provisioner)
        let until = (identity.expiresAt ?? clock).addingTimeInterval(issuer.settings.leewaySeconds)
        verified.put(credential.digest, (identity, issuer), until: until)
        return try await principal(identity, issuer: issuer, at: clock)
    }

    /// - Returns: nil when the token names no configured issuer (an introspection endpoint may
    ///   know it; if nothing does, the chain refuses it).
    func verify(_ token: String, at clock: Date) async throws -> (TokenIdentity, JWTIssuerKeys)? {
        let jwt = try CompactJWT(token)
        guard let algorithm = jwt.header["alg"]?.stringValue else { throw TokenError.malformed("the header has no `alg`") }
        guard let iss = jwt.payload["iss"]?.stringValue, let issuer = issuers[iss] else { return nil }
        try await issuer.verifySignature(of: jwt, algorithm: algorithm)
        let identity = try JWTClaimsValidator.validate(header: jwt.header, payload: jwt.payload, settings: issuer.settings, now: clock)
        return (identity, issuer)
    }

    func principal(_ identity: TokenIdentity, issuer: JWTIssuerKeys, at now: Date) async throws -> Principal {
        if let keyID = identity.keyID { try await keys?.hold(keyID: keyID) }
        return try identity.principal(
            method: .jwt, source: issuer.settings.name, sourceModels: issuer.settings.mapping.models, cache: cache, now: now)
    }
}
