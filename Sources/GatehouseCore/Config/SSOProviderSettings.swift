import Foundation
import Yams

/// One OpenID Connect provider people sign in with (`sso` entry): Gatehouse is its relying party,
/// running the authorization code flow with PKCE, `state` and `nonce`.
public struct SSOProviderSettings: Sendable, Equatable {
    /// How Gatehouse authenticates itself at the token endpoint (OpenID Connect Core §9).
    public enum ClientAuthentication: String, Sendable {
        case basic = "client_secret_basic"
        case post = "client_secret_post"
        /// A public client: only `client_id` and the PKCE verifier.
        case none
    }

    /// The provider's endpoints, when given in the configuration instead of discovered.
    public struct Endpoints: Sendable, Equatable {
        public var authorization: String
        public var token: String
        public var jwks: String

        public init(authorization: String, token: String, jwks: String) {
            self.authorization = authorization
            self.token = token
            self.jwks = jwks
        }
    }

    /// In URLs (`/sso/<name>/start`): letters, digits, `-` and `_`.
    public var name: String
    /// What the sign-in button says.
    public var displayName: String
    /// The exact `iss` of its ID tokens.
    public var issuer: String
    public var discoveryURL: String?
    public var endpoints: Endpoints?
    public var clientID: String
    public var clientSecret: String?
    public var authentication: ClientAuthentication = .basic
    /// Always with `openid`.
    public var scopes = ["openid", "email", "profile"]
    public var algorithms = ["RS256"]
    /// Where the provider sends the browser back; by default `<oauth_issuer>/sso/<name>/callback`.
    public var redirectURL: String?
    /// When set, only people whose email is at one of these domains sign in.
    public var allowedEmailDomains: [String] = []
    /// An email counts (for the domain rule, and to find an existing user by it) only when the
    /// provider says it is verified.
    public var requireVerifiedEmail = true
    /// A person the directory does not know by the user claim is matched to the user with their
    /// (verified) email.
    public var linkByEmail = true
    public var leewaySeconds = 60.0
    public var maxLifetimeSeconds = 86_400.0
    /// The claims naming user, email, team, organization and roles; `role_mappings`;
    /// `create_users` (just in time) and `create_teams`.
    public var mapping = ClaimMapping()

    public init(name: String, issuer: String, clientID: String) {
        self.name = name
        self.displayName = name
        self.issuer = issuer
        self.clientID = clientID
    }

    /// The ID token's issuer as a JWT issuer: audience the client id, keys from the provider's
    /// JWKS (and the client secret for HMAC algorithms, OpenID Connect Core §10.1).
    public var idTokenIssuer: JWTIssuerSettings {
        var settings = JWTIssuerSettings(name: "sso:" + name, issuer: issuer, audiences: [clientID], algorithms: algorithms)
        settings.jwksURL = endpoints?.jwks
        settings.discoveryURL = endpoints == nil ? discoveryURL : nil
        settings.leewaySeconds = leewaySeconds
        settings.maxLifetimeSeconds = maxLifetimeSeconds
        settings.mapping = mapping
        if let clientSecret, algorithms.contains(where: { $0.hasPrefix("HS") }) {
            settings.keys = [.init(kid: nil, material: .secret(clientSecret), path: "sso.\(name).client_secret")]
        }
        return settings
    }
}

enum SSOProviderParser {
    static let fields = [
        "name", "display_name", "issuer", "discovery_url", "authorization_endpoint", "token_endpoint", "jwks_url",
        "client_id", "client_secret", "client_auth", "scopes", "algorithms", "redirect_url", "allowed_email_domains",
        "require_verified_email", "link_by_email", "leeway_seconds", "max_lifetime_seconds", "claims", "role_mappings", "create_users",
        "create_teams",
    ]

    static func parse(_ node: Node, index: Int, reader: inout ConfigReader) throws -> SSOProviderSettings {
        let p = "sso[\(index)]"
        let f = try reader.fields(node, at: p, known: fields)
        let name = try reader.requiredString(f["name"], at: "\(p).name", parent: node)
        guard !name.isEmpty, name.count <= 40, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw reader.error("\(p).name", f["name"], "must be 1 to 40 letters, digits, `-` or `_` (it is part of the sign-in URLs)")
        }
        guard let issuer = try JWTIssuerParser.url(f["issuer"], at: "\(p).issuer", reader: reader) else {
            throw reader.error("\(p).issuer", node, "is required (the exact `iss` of the provider's ID tokens)")
        }
        var settings = SSOProviderSettings(
            name: name, issuer: issuer, clientID: try reader.requiredString(f["client_id"], at: "\(p).client_id", parent: node))
        settings.displayName = try reader.string(f["display_name"], at: "\(p).display_name") ?? name
        settings.clientSecret = try reader.string(f["client_secret"], at: "\(p).client_secret")
        if let method = try reader.string(f["client_auth"], at: "\(p).client_auth") {
            guard let known = SSOProviderSettings.ClientAuthentication(rawValue: method) else {
                throw reader.error("\(p).client_auth", f["client_auth"], "must be client_secret_basic, client_secret_post or none")
            }
            settings.authentication = known
        } else if settings.clientSecret == nil {
            settings.authentication = .none
        }
        guard settings.authentication == .none || settings.clientSecret != nil else {
            throw reader.error("\(p).client_secret", node, "is required with client_auth \(settings.authentication.rawValue)")
        }
        let endpointKeys = ["authorization_endpoint", "token_endpoint", "jwks_url"]
        let given = try endpointKeys.map { try JWTIssuerParser.url(f[$0], at: "\(p).\($0)", reader: reader) }
        if let authorization = given[0], let token = given[1], let jwks = given[2] {
            settings.endpoints = .init(authorization: authorization, token: token, jwks: jwks)
        } else if given.contains(where: { $0 != nil }) {
            throw reader.error(p, node, "needs all of authorization_endpoint, token_endpoint and jwks_url, or none (discovery)")
        }
        settings.discoveryURL =
            try JWTIssuerParser.url(f["discovery_url"], at: "\(p).discovery_url", reader: reader)
            ?? (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
        var scopes = try reader.stringList(f["scopes"], at: "\(p).scopes") ?? settings.scopes
        if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
        settings.scopes = scopes
        if let algorithms = try reader.stringList(f["algorithms"], at: "\(p).algorithms") {
            for algorithm in algorithms where !JWTIssuerSettings.supportedAlgorithms.contains(algorithm) {
                throw reader.error(
                    "\(p).algorithms", f["algorithms"],
                    "`\(algorithm)` is not supported; use \(JWTIssuerSettings.supportedAlgorithms.joined(separator: ", "))")
            }
            guard !algorithms.isEmpty else { throw reader.error("\(p).algorithms", f["algorithms"], "must name at least one algorithm") }
            if algorithms.contains(where: { $0.hasPrefix("HS") }), settings.clientSecret == nil {
                throw reader.error("\(p).algorithms", f["algorithms"], "HS256/384/512 ID tokens are signed with the client secret: set client_secret")
            }
            settings.algorithms = algorithms
        }
        settings.redirectURL = try JWTIssuerParser.url(f["redirect_url"], at: "\(p).redirect_url", reader: reader)
        settings.allowedEmailDomains = (try reader.stringList(f["allowed_email_domains"], at: "\(p).allowed_email_domains") ?? []).map {
            $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@"))
        }
        settings.requireVerifiedEmail = try reader.bool(f["require_verified_email"], at: "\(p).require_verified_email") ?? true
        settings.linkByEmail = try reader.bool(f["link_by_email"], at: "\(p).link_by_email") ?? true
        settings.leewaySeconds = try reader.double(f["leeway_seconds"], at: "\(p).leeway_seconds", minimum: 0) ?? 60
        settings.maxLifetimeSeconds = try reader.double(f["max_lifetime_seconds"], at: "\(p).max_lifetime_seconds", minimum: 1) ?? 86_400
        settings.mapping = try ClaimMapping.parse(f, at: p, reader: reader)
        return settings
    }
}
