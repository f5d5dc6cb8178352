import Foundation
public import GatehouseCore
public import GatehouseStore
import Synchronization

/// Bearer JWTs from the configured issuers (RFC 7519, checked as RFC 8725 asks). The issuer is
/// chosen by `iss`, the key by `kid` among that issuer's keys only, the algorithm must be one
/// the issuer allows and the key admits; `jwk`, `jku` and `x5u` headers are never followed.
/// A verified token is remembered by its digest until it expires, so repeating it costs no
/// signature check. Its team and organization bound it like a key's.
public struct JWTAuthenticator: Authenticator {
    let issuers: [String: JWTIssuerKeys]
    let cache: IdentityCache
    let verified = VerifiedTokens()
    let now: @Sendable () -> Date

    public init(issuers: [JWTIssuerKeys], cache: IdentityCache, now: @escaping @Sendable () -> Date = Date.init) {
        self.issuers = Dictionary(issuers.map { ($0.settings.issuer, $0) }, uniquingKeysWith: { first, _ in first })
        self.cache = cache
        self.now = now
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        guard CompactJWT.looksLikeJWT(credential.secret) else { return nil }
        let clock = now()
        if let (identity, issuer) = verified.get(credential.digest), clock.timeIntervalSince(identity.expiresAt) < issuer.settings.leewaySeconds {
            return try principal(identity, issuer: issuer)
        }
        do {
            let (identity, issuer) = try await verify(credential.secret, at: clock)
            verified.put(credential.digest, identity, issuer)
            return try principal(identity, issuer: issuer)
        } catch let error as JWTError {
            throw error.gatewayError
        }
    }

    func verify(_ token: String, at clock: Date) async throws -> (JWTIdentity, JWTIssuerKeys) {
        let jwt = try CompactJWT(token)
        guard let algorithm = jwt.header["alg"]?.stringValue else { throw JWTError.malformed("the header has no `alg`") }
        guard let iss = jwt.payload["iss"]?.stringValue, let issuer = issuers[iss] else {
            throw JWTError.rejected("the issuer is not trusted")
        }
        guard issuer.settings.algorithms.contains(algorithm) else {
            throw JWTError.rejected("algorithm `\(algorithm)` is not accepted from this issuer")
        }
        let kid: String?
        switch jwt.header["kid"] {
        case nil: kid = nil
        case .string(let value)?: kid = value
        default: throw JWTError.malformed("`kid` must be a string")
        }
        var keys = issuer.candidates(kid: kid, algorithm: algorithm)
        if keys.isEmpty, !issuer.hasKey(kid: kid), await issuer.refetchForUnknownKey() {
            keys = issuer.candidates(kid: kid, algorithm: algorithm)
        }
        guard !keys.isEmpty else { throw JWTError.rejected("no key of this issuer matches the token") }
        guard keys.contains(where: { $0.verifies(jwt.signature, over: jwt.signingInput, algorithm: algorithm) }) else {
            throw JWTError.rejected("the signature does not verify")
        }
        let identity = try JWTClaimsValidator.validate(header: jwt.header, payload: jwt.payload, settings: issuer.settings, now: clock)
        return (identity, issuer)
    }

    func principal(_ identity: JWTIdentity, issuer: JWTIssuerKeys) throws -> Principal {
        let chain = cache.chain(userID: identity.subject, teamID: identity.teamID, organizationID: identity.organizationID)
        if chain.teamBlocked { throw GatewayError.unauthorized("This token's team is blocked.") }
        var principal = Principal(
            id: "jwt:\(issuer.settings.name):\(identity.subject)", method: .jwt, role: identity.role, userID: identity.subject,
            teamID: identity.teamID, organizationID: identity.organizationID, allowedModels: identity.models
        )
        principal.inheritedModels = (issuer.settings.models.isEmpty ? [] : [issuer.settings.models]) + chain.models
        return principal
    }
}

/// Verified tokens by digest, bounded: when full, expired entries go, and if none had expired,
/// everything does (tokens are then simply verified again).
final class VerifiedTokens: Sendable {
    static let capacity = 50_000
    private let entries = Mutex<[KeyDigest: (JWTIdentity, JWTIssuerKeys)]>([:])

    func get(_ digest: KeyDigest) -> (JWTIdentity, JWTIssuerKeys)? {
        entries.withLock { $0[digest] }
    }

    func put(_ digest: KeyDigest, _ identity: JWTIdentity, _ issuer: JWTIssuerKeys) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                let now = Date()
                entries = entries.filter { $0.value.0.expiresAt > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = (identity, issuer)
        }
    }
}
