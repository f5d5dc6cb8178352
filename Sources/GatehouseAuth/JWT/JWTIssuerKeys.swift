import Foundation
import GatehouseCore
import Synchronization

/// One issuer's verification keys: those in the configuration and those fetched from its JWKS.
/// The fetched set is refreshed in the background; a token naming an unknown `kid` triggers at
/// most one refetch per cooldown; a failed refresh keeps the last good set until it is
/// `jwks_max_age_seconds` old.
public final class JWTIssuerKeys: Sendable {
    struct State {
        var fetched: [JWTVerificationKey] = []
        var fetchedAt: Date?
        var lastUnknownKidFetch: Date?
        var jwksURL: String?
        var failedAt: Date?
    }

    /// How current an issuer's key set is: what the console's authentication health shows.
    public struct Freshness: Sendable {
        public var issuer: String
        public var name: String
        /// Whether keys are fetched (a JWKS URL or discovery) rather than only configured.
        public var fetches: Bool
        public var configuredKeys: Int
        public var fetchedKeys: Int
        public var fetchedAt: Date?
        /// The last fetch that failed, when none has succeeded since.
        public var failedAt: Date?
        /// Whether the fetched keys are past `jwks_max_age_seconds` (no longer used).
        public var expired: Bool
    }

    public var freshness: Freshness {
        let at = now()
        return state.withLock { state in
            Freshness(
                issuer: settings.issuer, name: settings.name, fetches: hasRemoteKeys, configuredKeys: inline.count,
                fetchedKeys: state.fetched.count, fetchedAt: state.fetchedAt,
                failedAt: state.failedAt,
                expired: hasRemoteKeys && state.fetchedAt.map { at.timeIntervalSince($0) > settings.jwksMaxAgeSeconds } ?? true)
        }
    }

    public let settings: JWTIssuerSettings
    let inline: [JWTVerificationKey]
    let fetcher: any IdentityProviderHTTP
    let now: @Sendable () -> Date
    private let state: Mutex<State>

    /// - Throws: when an inline key cannot be used, naming it.
    public init(settings: JWTIssuerSettings, fetcher: any IdentityProviderHTTP, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.settings = settings
        self.fetcher = fetcher
        self.now = now
        inline = try Self.inlineKeys(of: settings)
        state = Mutex(State(jwksURL: settings.jwksURL))
    }

    /// The configured keys, parsed. - Throws: naming the first that cannot be used.
    public static func checkInlineKeys(of settings: JWTIssuerSettings) throws {
        _ = try inlineKeys(of: settings)
    }

    static func inlineKeys(of settings: JWTIssuerSettings) throws -> [JWTVerificationKey] {
        try settings.keys.map { key in
            do {
                switch key.material {
                case .secret(let secret): return .secret(secret, kid: key.kid)
                case .pem(let text): return try .pem(text, kid: key.kid)
                case .jwk(let text):
                    guard let json = try? JSONCoding.decode(Array(text.utf8)) else { throw JWTKeyError("the JWK is not valid JSON") }
                    let parsed = try JWTVerificationKey.jwk(json)
                    return JWTVerificationKey(kid: key.kid ?? parsed.kid, material: parsed.material, algorithm: parsed.algorithm)
                }
            } catch {
                throw JWTKeyError("\(key.path): \(error)")
            }
        }
    }

    var hasRemoteKeys: Bool { settings.jwksURL != nil || settings.discoveryURL != nil }

    /// Checks that one of this issuer's keys signed the token: its algorithm must be one the
    /// issuer allows and the key admits; its `kid` is looked up among this issuer's keys only, and
    /// an unknown one refetches the key set (at most once per cooldown).
    func verifySignature(of jwt: CompactJWT, algorithm: String) async throws(TokenError) {
        guard settings.algorithms.contains(algorithm) else {
            throw .rejected("algorithm `\(algorithm)` is not accepted from this issuer")
        }
        let kid: String?
        switch jwt.header["kid"] {
        case nil: kid = nil
        case .string(let value)?: kid = value
        default: throw .malformed("`kid` must be a string")
        }
        var keys = candidates(kid: kid, algorithm: algorithm)
        if keys.isEmpty, !hasKey(kid: kid), await refetchForUnknownKey() {
            keys = candidates(kid: kid, algorithm: algorithm)
        }
        guard !keys.isEmpty else { throw .rejected("no key of this issuer matches the token") }
        guard keys.contains(where: { $0.verifies(jwt.signature, over: jwt.signingInput, algorithm: algorithm) }) else {
            throw .rejected("the signature does not verify")
        }
    }

    /// Keys that may have signed a token with this `kid` and `alg`: those with that kid, or, when
    /// none has it, those without a kid.
    func candidates(kid: String?, algorithm: String) -> [JWTVerificationKey] {
        let fetched = state.withLock { state -> [JWTVerificationKey] in
            guard let at = state.fetchedAt, now().timeIntervalSince(at) <= settings.jwksMaxAgeSeconds else { return [] }
            return state.fetched
        }
        let usable = (inline + fetched).filter { $0.admits(algorithm) }
        if let kid {
            let named = usable.filter { $0.kid == kid }
            return named.isEmpty ? usable.filter { $0.kid == nil } : named
        }
        return usable
    }

    /// Whether some key (whatever its algorithm) has this kid: a token naming it with the wrong
    /// algorithm is refused without a refetch.
    func hasKey(kid: String?) -> Bool {
        guard let kid else { return false }
        return inline.contains { $0.kid == kid } || state.withLock { $0.fetched.contains { $0.kid == kid } }
    }

    /// Fetches the key set now (at start and on the refresh schedule). On failure the previous
    /// set stays.
    public func refresh() async throws {
        guard hasRemoteKeys else { return }
        let keys: [JWTVerificationKey]
        do {
            let url = try await jwksURL()
            keys = try JWTVerificationKey.jwks(try JSONCoding.decode(try await fetcher.get(url)))
        } catch {
            let at = now()
            state.withLock { $0.failedAt = at }
            throw error
        }
        let at = now()
        state.withLock { state in
            state.fetched = keys
            state.fetchedAt = at
            state.failedAt = nil
        }
    }

    /// For a token whose key is unknown: refetch unless another refetch happened within the
    /// cooldown. - Returns: whether a fetch succeeded.
    func refetchForUnknownKey() async -> Bool {
        guard hasRemoteKeys else { return false }
        let at = now()
        let claimed = state.withLock { state -> Bool in
            if let last = state.lastUnknownKidFetch, at.timeIntervalSince(last) < settings.unknownKidCooldownSeconds { return false }
            state.lastUnknownKidFetch = at
            return true
        }
        guard claimed else { return false }
        return (try? await refresh()) != nil
    }

    /// The JWKS URL: configured, or read once from the discovery document (whose `issuer` must
    /// be this issuer).
    private func jwksURL() async throws -> String {
        if let known = state.withLock({ $0.jwksURL }) { return known }
        guard let discoveryURL = settings.discoveryURL else { throw JWTKeyError("no JWKS URL") }
        let document = try JSONCoding.decode(try await fetcher.get(discoveryURL))
        guard document["issuer"]?.stringValue == settings.issuer else {
            throw JWTKeyError("the discovery document names another issuer")
        }
        guard let url = document["jwks_uri"]?.stringValue, url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw JWTKeyError("the discovery document has no jwks_uri")
        }
        state.withLock { $0.jwksURL = url }
        return url
    }
}
