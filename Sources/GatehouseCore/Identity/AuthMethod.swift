/// How a caller proved — or tried to prove — who they are, as metrics, audit records and
/// lockouts name it: one label for a method's successes and its failures (a certificate login
/// was once `mtls` when it succeeded and `client_certificate` when it failed).
public enum AuthMethod: String, Sendable, CaseIterable, CustomStringConvertible {
    case masterKey = "master_key"
    case apiKey = "api_key"
    case jwt
    /// A token of an OAuth authorization server: Gatehouse's own, or one checked by introspection.
    case oauth
    case clientCertificate = "client_certificate"
    case session
    /// A user's password at `/login` or `/session/password`.
    case password
    /// A person signing in with an OpenID Provider (single sign-on).
    case sso
    /// An OAuth client's secret at the token, revocation and introspection endpoints.
    case clientSecret = "client_secret"
    /// No credential at all.
    case none

    public var description: String { rawValue }

    /// The label of a principal's method.
    public init(_ method: Principal.Method) {
        switch method {
        case .masterKey: self = .masterKey
        case .apiKey: self = .apiKey
        case .jwt: self = .jwt
        case .oauth: self = .oauth
        case .clientCertificate: self = .clientCertificate
        case .session: self = .session
        }
    }

    /// The label of a credential that failed, from its shape (the secret is never recorded): a
    /// key (`sk-…`; a wrong master key looks like any other key, so it counts as `api_key`), a
    /// JWT (`oauth` when it names Gatehouse's own issuer), any other bearer token (an OAuth
    /// token, checked by introspection), or a client certificate alone.
    /// - Parameters:
    ///   - secret: the bearer credential, if one was presented.
    ///   - ownIssuer: the `iss` of the tokens Gatehouse issues.
    public static func ofFailure(secret: String?, certificate: Bool, ownIssuer: String?) -> AuthMethod {
        guard let secret else { return certificate ? .clientCertificate : .none }
        if secret.hasPrefix("sk-") { return .apiKey }
        let segments = secret.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return .oauth }
        guard let ownIssuer, let payload = Base64URL.decode(Array(segments[1].utf8)), let claims = try? JSONCoding.decode(payload),
            claims["iss"]?.stringValue == ownIssuer
        else { return .jwt }
        return .oauth
    }
}
