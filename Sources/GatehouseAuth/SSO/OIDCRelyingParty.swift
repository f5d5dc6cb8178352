public import Foundation
public import GatehouseCore
import Synchronization

/// Gatehouse as an OpenID Connect relying party of one provider (an `sso` entry): the
/// authorization request (code flow, PKCE S256, `state`, `nonce`), the code exchange at the
/// token endpoint, and the ID token checked in full — signature with the provider's keys (their
/// `kid` among this provider's only, never `none`), `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`,
/// `nonce`, `at_hash` — before a person is named.
public final class OIDCRelyingParty: Sendable {
    /// What one browser's sign-in must remember between leaving and coming back.
    public struct Attempt: Sendable, Equatable {
        public var state: String
        public var nonce: String
        public var verifier: String

        public init(state: String, nonce: String, verifier: String) {
            self.state = state
            self.nonce = nonce
            self.verifier = verifier
        }

        /// Fresh random values (256 bits each).
        public static func generate() -> Attempt {
            Attempt(state: random(), nonce: random(), verifier: random())
        }

        static func random() -> String {
            var generator = SystemRandomNumberGenerator()
            return Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        }
    }

    /// Why a sign-in failed, in words safe to show the person (no secret, no provider answer).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case providerUnreachable, refused }
        public let kind: Kind
        public let reason: String
        public var description: String { reason }
    }

    public let settings: SSOProviderSettings
    /// The provider's ID token keys (fetched from its JWKS, refreshed like a JWT issuer's).
    public let keys: JWTIssuerKeys
    let http: any IdentityProviderHTTP
    let now: @Sendable () -> Date
    /// The endpoints, configured or read once from the discovery document.
    private let discovered: Mutex<SSOProviderSettings.Endpoints?>

    public init(settings: SSOProviderSettings, http: any IdentityProviderHTTP, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.settings = settings
        self.http = http
        self.now = now
        keys = try JWTIssuerKeys(settings: settings.idTokenIssuer, fetcher: http, now: now)
        discovered = Mutex(settings.endpoints)
    }

    /// Where to send the browser: the provider's authorization endpoint with this attempt.
    public func authorizationURL(for attempt: Attempt, redirectURI: String) async throws(Failure) -> String {
        let endpoints = try await endpoints()
        let query = FormEncoding.encode([
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
            ("scope", settings.scopes.joined(separator: " ")), ("state", attempt.state), ("nonce", attempt.nonce),
            ("code_challenge", PKCE.challenge(of: attempt.verifier)), ("code_challenge_method", "S256"),
        ])
        return endpoints.authorization + (endpoints.authorization.contains("?") ? "&" : "?") + query
    }

    /// Exchanges the code the provider sent back and checks the ID token it answers with.
    public func signIn(code: String, attempt: Attempt, redirectURI: String) async throws(Failure) -> SSOPerson {
        let endpoints = try await endpoints()
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", attempt.verifier),
        ]
        var basic: (user: String, password: String)?
        switch settings.authentication {
        case .basic: basic = settings.clientSecret.map { (settings.clientID, $0) }
        case .post: form += [("client_id", settings.clientID), ("client_secret", settings.clientSecret ?? "")]
        case .none: form.append(("client_id", settings.clientID))
        }
        let answer: JSONValue
        do {
            answer = try JSONCoding.decode(try await http.postForm(endpoints.token, form: form, basicAuth: basic, kind: "sso_token"))
        } catch {
            throw Failure(kind: .providerUnreachable, reason: "The identity provider did not accept the sign-in code, or could not be reached.")
        }
        guard let idToken = answer["id_token"]?.stringValue else {
            throw Failure(kind: .refused, reason: "The identity provider answered without an ID token.")
        }
        do {
            return try await verify(idToken, nonce: attempt.nonce, accessToken: answer["access_token"]?.stringValue)
        } catch {
            throw Failure(kind: .refused, reason: "The identity provider's ID token was refused: \(Self.words(error)).")
        }
    }

    /// The ID token checked in full, and the person it names.
    func verify(_ idToken: String, nonce: String, accessToken: String?) async throws(TokenError) -> SSOPerson {
        let jwt = try CompactJWT(idToken)
        guard let algorithm = jwt.header["alg"]?.stringValue else { throw .malformed("the header has no `alg`") }
        guard jwt.payload["iss"]?.stringValue == settings.issuer else { throw .rejected("the ID token comes from another issuer") }
        try await keys.verifySignature(of: jwt, algorithm: algorithm)
        let identity = try JWTClaimsValidator.validate(header: jwt.header, payload: jwt.payload, settings: keys.settings, now: now())
        try IDTokenChecks.check(jwt.payload, algorithm: algorithm, nonce: nonce, accessToken: accessToken, settings: settings)
        return try IDTokenChecks.person(from: identity, payload: jwt.payload, settings: settings)
    }

    static func words(_ error: TokenError) -> String {
        switch error {
        case .malformed(let why), .rejected(let why): why
        case .noModels, .noRoutes: "its scopes grant nothing"
        }
    }

    /// The configured endpoints, or the discovery document's (its `issuer` must be the
    /// provider's, its endpoints http(s) URLs); read once, again after a failure.
    func endpoints() async throws(Failure) -> SSOProviderSettings.Endpoints {
        if let known = discovered.withLock({ $0 }) { return known }
        let unreachable = Failure(kind: .providerUnreachable, reason: "The identity provider's discovery document could not be read.")
        guard let discoveryURL = settings.discoveryURL, let bytes = try? await http.get(discoveryURL), let document = try? JSONCoding.decode(bytes)
        else {
            throw unreachable
        }
        guard document["issuer"]?.stringValue == settings.issuer else {
            throw Failure(kind: .refused, reason: "The identity provider's discovery document names another issuer.")
        }
        func endpoint(_ name: String) -> String? {
            document[name]?.stringValue.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil }
        }
        guard let authorization = endpoint("authorization_endpoint"), let token = endpoint("token_endpoint"), let jwks = endpoint("jwks_uri") else {
            throw Failure(kind: .refused, reason: "The identity provider's discovery document lacks an endpoint.")
        }
        let endpoints = SSOProviderSettings.Endpoints(
            authorization: authorization, token: token, jwks: jwks)
        discovered.withLock { $0 = endpoints }
        return endpoints
    }
}
