import Foundation
public import GatehouseCore
public import GatehouseStore

/// Opaque OAuth 2.0 access tokens, checked with token introspection (RFC 7662) at the configured
/// authorization servers. Fails closed: an endpoint that is unreachable, answers an error or
/// anything but JSON with a boolean `active` gets the request a 503, never a pass. `active: false`
/// is final for the cache period. Answers are remembered by the token's digest for at most
/// `cache_seconds` and never past the token's `exp`.
public struct IntrospectionAuthenticator: Authenticator {
    let endpoints: [IntrospectionSettings]
    let http: any IdentityProviderHTTP
    let cache: IdentityCache
    /// Per token digest: the identity (nil: inactive) and the index of the endpoint that vouched.
    let answers = ExpiringCache<(TokenIdentity?, Int)>()
    /// Lookups of introspection answers that were remembered, and that were not.
    public var cacheLookups: (hits: Int, misses: Int) { answers.lookups }
    let provisioner: (any TokenProvisioner)?
    let now: @Sendable () -> Date
    /// Where a bounded key cache reads a key a token names that it does not hold.
    public var keys: KeyLookup?
    static let maximumTokenLength = 4096

    public init(
        endpoints: [IntrospectionSettings], http: any IdentityProviderHTTP, cache: IdentityCache, provisioner: (any TokenProvisioner)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.endpoints = endpoints
        self.http = http
        self.cache = cache
        self.provisioner = provisioner
        self.now = now
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        let token = credential.secret
        // Gatehouse's own key namespace is never sent to a third party.
        guard !endpoints.isEmpty, !token.hasPrefix("sk-"), token.utf8.count <= Self.maximumTokenLength else { return nil }
        let clock = now()
        if let (identity, index) = answers.get(credential.digest, at: clock) {
            guard let identity else { throw GatewayError.unauthorized("Invalid token: the token is not active.") }
            return try await principal(identity, endpoints[index], at: clock)
        }
        for (index, endpoint) in endpoints.enumerated() {
            let answer = try await introspect(token, at: endpoint)
            guard answer["active"] == .bool(true) else { continue }
            let identity: TokenIdentity
            do {
                identity = try Self.validate(answer, endpoint: endpoint, at: clock)
            } catch {
                throw error.gatewayError
            }
            try await identity.provision(endpoint.mapping, with: provisioner)
            let until = min(identity.expiresAt ?? .distantFuture, clock.addingTimeInterval(endpoint.cacheSeconds))
            answers.put(credential.digest, (identity, index), until: until)
            return try await principal(identity, endpoint, at: clock)
        }
        let longest = endpoints.map(\.cacheSeconds).max() ?? 0
        answers.put(credential.digest, (nil, 0), until: clock.addingTimeInterval(longest))
        throw GatewayError.unauthorized("Invalid token: the token is not active.")
    }

    /// The endpoint's answer, or 503 when there is no proper one.
    func introspect(_ token: String, at endpoint: IntrospectionSettings) async throws -> JSONValue {
        var form = [("token", token), ("token_type_hint", "access_token")]
        if endpoint.authentication == .post { form += [("client_id", endpoint.clientID), ("client_secret", endpoint.clientSecret)] }
        let basic = endpoint.authentication == .basic ? (user: endpoint.clientID, password: endpoint.clientSecret) : nil
        let unavailable = GatewayError.unavailable("The token could not be checked: the authorization server gave no usable answer.")
        guard let body = try? await http.postForm(endpoint.url, form: form, basicAuth: basic), let answer = try? JSONCoding.decode(body),
            case .bool? = answer["active"]
        else { throw unavailable }
        return answer
    }

    /// The checks RFC 7662 leaves to the resource server: time, issuer, audience.
    static func validate(_ answer: JSONValue, endpoint: IntrospectionSettings, at now: Date) throws(TokenError) -> TokenIdentity {
        let clock = now.timeIntervalSince1970
        var expiresAt: Date?
        if let value = answer["exp"] {
            guard let exp = value.doubleValue, exp.isFinite else { throw .rejected("`exp` must be a number") }
            guard clock < exp else { throw .rejected("the token has expired") }
            expiresAt = Date(timeIntervalSince1970: exp)
        }
        if let value = answer["nbf"] {
            guard let nbf = value.doubleValue, nbf.isFinite, clock >= nbf else { throw .rejected("the token is not valid yet") }
        }
        if let issuer = endpoint.issuer, answer["iss"]?.stringValue != issuer { throw .rejected("the token comes from another issuer") }
        if !endpoint.audiences.isEmpty {
            let audiences = ClaimMapping.strings(answer["aud"])
            guard audiences.contains(where: endpoint.audiences.contains) else { throw .rejected("the token is meant for another audience") }
        }
        return try endpoint.mapping.identity(from: answer, expiresAt: expiresAt, fallbackUser: "client_id")
    }

    func principal(_ identity: TokenIdentity, _ endpoint: IntrospectionSettings, at now: Date) async throws -> Principal {
        if let keyID = identity.keyID { try await keys?.hold(keyID: keyID) }
        return try identity.principal(method: .oauth, source: endpoint.name, sourceModels: endpoint.mapping.models, cache: cache, now: now)
    }
}
