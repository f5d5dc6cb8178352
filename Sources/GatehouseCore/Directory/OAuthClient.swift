import Foundation

/// A client registered with Gatehouse's own authorization server: it exchanges its id and secret
/// at `/oauth/token` (client credentials grant) for short-lived signed access tokens, which then
/// act with the client's models, user, team and organization.
public struct OAuthClient: Sendable, Equatable {
    /// The `client_id`.
    public var id: String
    /// SHA-256 of the secret (the secret has 256 bits of entropy, as keys do), hex.
    public var secretHash: String
    public var name: String?
    /// Scopes the client may request; a token carries those asked for (all when none are).
    public var scopes: [String] = []
    public var models: [String] = []
    public var userID: String?
    public var teamID: String?
    public var organizationID: String?
    public var limits = Limits()
    public var metadata: JSONValue = [:]
    public var blocked = false
    /// The grants it may use (`client_credentials`, `authorization_code`, `refresh_token`,
    /// `urn:ietf:params:oauth:grant-type:device_code`).
    public var grantTypes: [String] = [Grant.clientCredentials]
    /// Where authorization codes may be sent (`authorization_code`).
    public var redirectURIs: [String] = []
    /// A public client (a native or browser app) has no secret: it proves itself with PKCE.
    public var isPublic = false
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, secretHash: String, createdAt: Date = Date()) {
        self.id = id
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The scope that lets a client (a resource server) introspect every client's tokens.
    public static let introspectionScope = "gatehouse:introspect"

    /// The built-in public client of `gatehouse login` (no secret): it may only run the device
    /// flow and refresh the tokens it got, for the person who approved it.
    public static let commandLine = "gatehouse-cli"

    public enum Grant {
        public static let clientCredentials = "client_credentials"
        public static let authorizationCode = "authorization_code"
        public static let refreshToken = "refresh_token"
        public static let deviceCode = "urn:ietf:params:oauth:grant-type:device_code"
        public static let all = [clientCredentials, authorizationCode, refreshToken, deviceCode]
    }

    /// The command line's client, as the token endpoint sees it.
    public static var commandLineClient: OAuthClient {
        var client = OAuthClient(id: commandLine, secretHash: "")
        client.grantTypes = [Grant.deviceCode, Grant.refreshToken]
        client.isPublic = true
        client.name = "gatehouse login"
        return client
    }

    /// A new secret: `ghs_` and 43 base62 characters (256 bits).
    public static func newSecret() -> String {
        "ghs_" + String(APIKeyFormat.generate().dropFirst(3).prefix(43))
    }
}

/// `gatehouse_settings.oauth_*`: Gatehouse as an authorization server.
public struct OAuthServerSettings: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case es256 = "ES256"
        case edDSA = "EdDSA"
    }

    /// The `iss` of the tokens Gatehouse issues; by default `http://<host>:<port>`.
    public var issuer: String?
    public var tokenLifetimeSeconds = 3600.0
    public var algorithm: Algorithm = .es256
    /// A signing key is replaced after this long; the replaced one stays published until every
    /// token it signed has expired.
    public var keyRotationSeconds = 30.0 * 86_400

    public init() {}
}
