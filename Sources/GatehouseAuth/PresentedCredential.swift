public import GatehouseCore

/// The credential a request carries, taken from the headers LiteLLM accepts. Two different
/// credentials in one request are refused rather than letting the first valid one win.
public struct PresentedCredential: Sendable, Equatable {
    public let secret: String
    /// SHA-256 of the secret, computed once for every authenticator that compares digests.
    public let digest: KeyDigest
    /// The verified client certificate of the connection, when there is one: a token bound to a
    /// certificate (RFC 8705) is accepted only with it.
    public var clientCertificate: ClientCertificate?

    public init(secret: String) {
        self.secret = secret
        self.digest = KeyDigest(key: secret)
    }

    /// Header names that carry an API key, in LiteLLM's precedence.
    public static let keyHeaders = ["x-litellm-api-key", "authorization", "api-key", "x-api-key", "x-goog-api-key"]
    /// Query parameters that carry an API key where clients put it in the URL.
    public static let keyParameters = ["key", "api_key", "api-key"]

    /// What to do with a key in the URL.
    public enum QueryPolicy: Sendable {
        /// The parameter means something else on these routes (`/key/info?key=`).
        case ignore
        /// 401: a key in a URL ends up in logs and histories.
        case refuse
        /// A credential like any header (operator's choice, for clients that can do no better).
        case accept
    }

    /// The headers' credential, merged with one from the URL as `policy` says.
    /// - Parameter parameter: looks up a query parameter by name; nil when the URL has no query.
    public static func extract(
        header: (String) -> String?, parameter: ((String) -> String?)?, policy: QueryPolicy
    ) throws(GatewayError) -> PresentedCredential? {
        let fromHeaders = try extract(header: header)
        guard policy != .ignore, let parameter, let value = keyParameters.lazy.compactMap(parameter).first else { return fromHeaders }
        guard policy == .accept else {
            throw GatewayError.unauthorized("API keys in the URL are refused; send the key in the Authorization header.")
        }
        if let fromHeaders, fromHeaders.secret != value {
            throw GatewayError.unauthorized("The request carries two different credentials.")
        }
        return fromHeaders ?? PresentedCredential(secret: value)
    }

    /// - Parameter header: looks up a header value by lower-case name.
    public static func extract(header: (String) -> String?) throws(GatewayError) -> PresentedCredential? {
        var found: String?
        for name in keyHeaders {
            guard let raw = header(name) else { continue }
            var value = raw.trimmingSpaces
            if name == "authorization" {
                guard let token = bearerToken(value) else {
                    throw GatewayError.unauthorized("Authorization header must use the Bearer scheme.")
                }
                value = token
            }
            guard !value.isEmpty else { throw GatewayError.unauthorized("Empty credential in the `\(name)` header.") }
            if let found, found != value {
                throw GatewayError.unauthorized("The request carries two different credentials.")
            }
            found = value
        }
        return found.map(PresentedCredential.init(secret:))
    }

    /// What follows `Bearer ` (the scheme in any case), spaces trimmed; nil for another scheme.
    static func bearerToken(_ value: String) -> String? {
        let scheme = "bearer ".utf8
        let bytes = value.utf8
        guard bytes.count >= scheme.count else { return nil }
        let lowered = bytes.lazy.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        guard lowered.starts(with: scheme) else { return nil }
        return value[bytes.index(bytes.startIndex, offsetBy: scheme.count)...].trimmingSpaces
    }
}
