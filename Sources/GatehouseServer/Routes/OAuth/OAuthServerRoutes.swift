import Crypto
import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
public import Hummingbird
import NIOCore

/// Gatehouse as an OAuth 2.0 authorization server for machine clients: the client credentials
/// grant at `/oauth/token` (RFC 6749 §4.4), revocation (RFC 7009) and introspection (RFC 7662)
/// of its own tokens, its signing keys at `/.well-known/jwks.json`, and its metadata at
/// `/.well-known/oauth-authorization-server` (RFC 8414).
public struct OAuthServerRoutes: Sendable {
    let tokens: OwnTokenAuthenticator
    let ring: SigningKeyRing
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed
    let settings: OAuthServerSettings
    /// Where client certificates come from, for certificate-bound tokens (nil: nowhere).
    let certificates: ClientCertificateSource?
    /// Lockouts (repeated wrong secrets for a client id from one address block that pair for a
    /// while, and count against the address like every other failure), metrics and the audit
    /// trail (tokens issued and revoked, failed client authentications, lockouts).
    let recorder: AuthenticationRecorder
    var lockouts: Lockouts { recorder.lockouts }
    var audit: Audit { recorder.audit }
    var metrics: GatewayMetrics { recorder.metrics }
    /// Device sign-ins started per address (the endpoint needs no secret).
    let deviceStarts = AddressQuota(limit: OAuthServerRoutes.deviceStartsPerAddress, window: OAuthServerRoutes.deviceLifetime)
    static let maxBodyBytes = 64 * 1024

    init(
        tokens: OwnTokenAuthenticator, ring: SigningKeyRing, store: IdentityStore, cache: IdentityCache, feed: any IdentityChangeFeed,
        settings: OAuthServerSettings, certificates: ClientCertificateSource? = nil, recorder: AuthenticationRecorder
    ) {
        self.recorder = recorder
        self.certificates = certificates
        self.tokens = tokens
        self.ring = ring
        self.store = store
        self.cache = cache
        self.feed = feed
        self.settings = settings
    }

    public func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.post("/oauth/token") { request, context in await self.token(request, context) }
        router.get("/oauth/token") { _, _ in
            var response = OAuthResponse.error("invalid_request", "The token endpoint accepts POST only.", status: .methodNotAllowed)
            response.headers[.allow] = "POST"
            return response
        }
        router.post("/oauth/device_authorization") { request, context in await self.deviceAuthorization(request, context) }
        router.post("/oauth/revoke") { request, context in await self.revoke(request, context) }
        router.post("/oauth/introspect") { request, context in await self.introspect(request, context) }
        router.get("/.well-known/jwks.json") { _, _ in Response.json(self.ring.jwks, headers: [.cacheControl: "max-age=300"]) }
        router.get("/.well-known/oauth-authorization-server") { _, _ in Response.json(self.metadata) }
    }

    var metadata: JSONValue {
        let base = tokens.issuer
        let methods: JSONValue = ["client_secret_basic", "client_secret_post"]
        return [
            "issuer": .string(base), "token_endpoint": .string(base + "/oauth/token"), "jwks_uri": .string(base + "/.well-known/jwks.json"),
            "revocation_endpoint": .string(base + "/oauth/revoke"), "introspection_endpoint": .string(base + "/oauth/introspect"),
            "grant_types_supported": .array(OAuthClient.Grant.all.map(JSONValue.string)), "response_types_supported": ["code"],
            "authorization_endpoint": .string(base + "/oauth/authorize"), "code_challenge_methods_supported": ["S256"],
            "device_authorization_endpoint": .string(base + "/oauth/device_authorization"),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": methods, "introspection_endpoint_auth_methods_supported": methods,
            "token_endpoint_auth_signing_alg_values_supported": .array([.string(settings.algorithm.rawValue)]),
            // RFC 8705 §3.3: tokens asked for over a connection with a client certificate are bound to it.
            "tls_client_certificate_bound_access_tokens": .bool(certificates != nil),
        ]
    }

    func token(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        switch await formAndClient(request, context) {
        case .refused(let response): return response
        case .publicClient(let form, let client): return await personToken(form, client: client, context)
        case .authenticated(let form, let client):
            guard let grant = form["grant_type"] else { return OAuthResponse.error("invalid_request", "`grant_type` is required.") }
            guard OAuthClient.Grant.all.contains(grant) else {
                return OAuthResponse.error(
                    "unsupported_grant_type", "Grant `\(grant.prefix(100))` is not supported (implicit and password are not offered).")
            }
            guard client.grantTypes.contains(grant) else {
                return OAuthResponse.error("unauthorized_client", "This client is not registered for the `\(grant)` grant.")
            }
            guard grant == OAuthClient.Grant.clientCredentials else { return await personToken(form, client: client, context) }
            let requested = (form["scope"] ?? "").split(separator: " ").map(String.init)
            if let extra = requested.first(where: { !client.scopes.contains($0) }) {
                return OAuthResponse.error("invalid_scope", "Scope `\(extra)` is not registered for this client.")
            }
            let scopes = requested.isEmpty ? client.scopes : requested
            // RFC 8705: a client that asks over a connection with a verified certificate gets a
            // token that only works over a connection presenting that certificate.
            let certificate = certificates?.certificate(request, channel: context.channel)
            guard let token = try? tokens.issue(to: client, scopes: scopes, lifetime: settings.tokenLifetimeSeconds, certificate: certificate) else {
                return OAuthResponse.error("server_error", "No signing key is available.", status: .internalServerError)
            }
            audit.record(
                AuditEvent(
                    action: .tokenIssue, actor: ObjectRef.client(client.id).description, about: .client(client.id), outcome: .success,
                    address: context.clientAddress,
                    details: ["scope": .string(scopes.joined(separator: " ")), "certificate_bound": .bool(certificate != nil)]))
            return OAuthResponse.json([
                "access_token": .string(token), "token_type": "Bearer", "expires_in": JSONValue(Int(saturating: settings.tokenLifetimeSeconds)),
                "scope": .string(scopes.joined(separator: " ")),
            ])
        }
    }

    /// RFC 7009: the client may revoke its own tokens; the answer is 200 whatever the token was.
    func revoke(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        switch await formAndClient(request, context) {
        case .refused(let response): return response
        case .publicClient(let form, let client): return await revokePersonToken(form, clientID: client.id, context)
        case .authenticated(let form, let client):
            guard let token = form["token"] else { return OAuthResponse.error("invalid_request", "`token` is required.") }
            // A person's grant through this client ends whole, as a public client's does.
            if token.hasPrefix("ghr_") { return await revokePersonToken(form, clientID: client.id, context) }
            if let claims = try? await tokens.verify(token, at: Date()), claims.clientID == client.id {
                if claims.familyID != nil { return await revokePersonToken(form, clientID: client.id, context) }
                do {
                    try await store.oauth.revoke(tokenID: claims.tokenID, expiresAt: claims.expiresAt)
                    cache.revoke(tokenID: claims.tokenID)
                    try await feed.publish(.revokedToken(claims.tokenID))
                    audit.record(
                        AuditEvent(
                            action: .tokenRevoke, actor: ObjectRef.client(client.id).description, about: .token(claims.tokenID), outcome: .success,
                            address: context.clientAddress))
                } catch {
                    return OAuthResponse.error("server_error", "The revocation could not be stored.", status: .serviceUnavailable)
                }
            }
            return OAuthResponse.json([:])
        }
    }

    /// RFC 7662. A client sees its own tokens; a resource server beside Gatehouse is a client
    /// registered with the scope `OAuthClient.introspectionScope`, and sees every token. To any
    /// other caller someone else's token is `active: false` (RFC 7662 §4: one client must not
    /// learn of another's tokens).
    func introspect(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        switch await formAndClient(request, context) {
        case .refused(let response): return response
        case .publicClient: return OAuthResponse.error("invalid_client", "Introspection needs a confidential client.", status: .unauthorized)
        case .authenticated(let form, let client):
            guard let token = form["token"] else { return OAuthResponse.error("invalid_request", "`token` is required.") }
            guard let claims = try? await tokens.verify(token, at: Date()), tokens.principal(claims) != nil,
                claims.clientID == client.id || client.scopes.contains(OAuthClient.introspectionScope)
            else {
                return OAuthResponse.json(["active": false])
            }
            return OAuthResponse.json([
                "active": true, "client_id": .string(claims.clientID), "sub": .string(claims.userID.map { "user:" + $0 } ?? claims.clientID),
                "username": claims.userID.map(JSONValue.string) ?? .null, "scope": .string(claims.scope),
                "iss": .string(tokens.issuer), "aud": .string(tokens.issuer), "token_type": "Bearer", "jti": .string(claims.tokenID),
                "iat": .number(claims.issuedAt.timeIntervalSince1970), "exp": .number(claims.expiresAt.timeIntervalSince1970),
                "cnf": claims.certificateThumbprint.map { ["x5t#S256": .string($0)] } ?? .null,
            ])
        }
    }

    /// The form body and the client it authenticates, by HTTP Basic or by `client_id` and
    /// `client_secret` in the body (one method, never both, never the secret in the URL).
    func formAndClient(_ request: Request, _ context: GatewayRequestContext) async -> ClientCheck {
        if let query = request.uri.query, query.contains("client_secret") {
            return .refused(OAuthResponse.error("invalid_request", "Client secrets are not accepted in the URL."))
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .refused(OAuthResponse.error("invalid_request", "The body must be application/x-www-form-urlencoded."))
        }
        guard let bytes = try? await request.body.collect(upTo: Self.maxBodyBytes), let form = FormBody(bytes.readableBytesView) else {
            return .refused(OAuthResponse.error("invalid_request", "The body is not a valid form (or repeats a parameter)."))
        }
        let fromForm = form["client_id"].map { ($0, form["client_secret"] ?? "") }
        var fromHeader: (String, String)?
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("basic ") {
            guard let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":"),
                let id = FormBody.decode(Array(pair[..<colon].utf8)), let secret = FormBody.decode(Array(pair[pair.index(after: colon)...].utf8))
            else { return .refused(OAuthResponse.error("invalid_client", "Malformed Basic credentials.", status: .unauthorized)) }
            fromHeader = (id, secret)
        }
        if fromForm != nil, form["client_secret"] != nil, fromHeader != nil {
            return .refused(OAuthResponse.error("invalid_request", "Use one client authentication method, not two."))
        }
        // A public client proves nothing: it may only run the grants where the person's approval
        // (and PKCE, or the refresh token) are the proof.
        if fromHeader == nil, form["client_secret"] == nil, let id = form["client_id"] {
            if id == OAuthClient.commandLine { return .publicClient(form, .commandLineClient) }
            if let client = try? await store.oauth.client(id: id), client.isPublic {
                guard !client.blocked else { return .refused(OAuthResponse.error("invalid_client", "The client is blocked.", status: .unauthorized)) }
                return .publicClient(form, client)
            }
        }
        guard let (id, secret) = fromHeader ?? fromForm else {
            return .refused(OAuthResponse.error("invalid_client", "Client authentication is required.", status: .unauthorized))
        }
        let subject = Lockouts.credential(ObjectRef.client(id).description, at: context.clientAddress)
        if let wait = recorder.takeAttempt(pair: subject, address: context.clientAddress) {
            // Audited when the block began, not for every request it refuses.
            var response = OAuthResponse.error(
                "invalid_client", "Too many failed attempts for this client from this address; retry later.", status: .tooManyRequests)
            response.headers[.retryAfter] = String(Int(saturating: wait.rounded(.up)))
            return .refused(response)
        }
        let presented = KeyDigest(key: secret)
        guard let client = try? await store.oauth.client(id: id), let stored = KeyDigest(hex: client.secretHash),
            presented.constantTimeEquals(stored), !client.blocked
        else {
            recorder.failedSecret(
                method: .clientSecret, object: .client(String(id.prefix(200))), pair: subject, reason: "Client authentication failed.",
                address: context.clientAddress)
            return .refused(OAuthResponse.error("invalid_client", "Client authentication failed.", status: .unauthorized))
        }
        lockouts.credentials.recordSuccess(subject)
        metrics.authenticated(.clientSecret)
        return .authenticated(form, client)
    }
}

/// The outcome of authenticating the client of an OAuth endpoint request.
enum ClientCheck {
    case authenticated(FormBody, OAuthClient)
    /// A public client (no secret): `OAuthClient.commandLine`, or one registered `public`.
    case publicClient(FormBody, OAuthClient)
    /// The RFC 6749 error to answer with.
    case refused(Response)
}
