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

    /// The key headers' credential, merged with one from the URL as `policy` says.
    /// - Parameter parameter: looks up a query parameter by name; nil when the URL has no query.
    public static func extract(
        _ values: KeyHeaderValues, parameter: ((String) -> String?)?, policy: QueryPolicy
    ) throws(GatewayError) -> PresentedCredential? {
        let fromHeaders = try extract(values)
        guard policy != .ignore, let parameter, let value = keyParameters.lazy.compactMap(parameter).first else { return fromHeaders }
        guard policy == .accept else {
            throw GatewayError.unauthorized("API keys in the URL are refused; send the key in the Authorization header.")
        }
        if let fromHeaders, fromHeaders.secret != value {
            throw GatewayError.unauthorized("The request carries two different credentials.")
        }
        return fromHeaders ?? PresentedCredential(secret: value)
    }

    /// The credential in the values of `keyHeaders`' fields, gathered in one pass over a request's
    /// fields (`KeyHeaderValues.add`).
    public static func extract(_ values: KeyHeaderValues) throws(GatewayError) -> PresentedCredential? {
        var found: String?
        for position in keyHeaders.indices {
            guard let raw = values[position] else { continue }
            var value = raw.trimmingSpaces
            if position == KeyHeaderValues.authorization {
                guard let token = bearerToken(value) else {
                    throw GatewayError.unauthorized("Authorization header must use the Bearer scheme.")
                }
                value = token
            }
            guard !value.isEmpty else { throw GatewayError.unauthorized("Empty credential in the `\(keyHeaders[position])` header.") }
            if let found, found != value {
                throw GatewayError.unauthorized("The request carries two different credentials.")
            }
            found = value
        }
        return found.map(PresentedCredential.init(secret:))
    }

    /// What follows `Bearer ` (the scheme in any case), spaces trimmed; nil for another scheme.
    /// The scheme is read on the value's bytes: this runs for every request that presents a key.
    static func bearerToken(_ value: String) -> String? {
        var value = value
        let token = value.withUTF8 { bytes -> String? in
            let scheme: StaticString = "bearer "
            guard bytes.count >= scheme.utf8CodeUnitCount else { return nil }
            for index in 0..<scheme.utf8CodeUnitCount {
                let byte = bytes[index]
                // ASCII letters lowered; the space is compared as it is.
                guard (0x41...0x5A).contains(byte) ? byte | 0x20 == scheme.utf8Start[index] : byte == scheme.utf8Start[index] else {
                    return nil
                }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[scheme.utf8CodeUnitCount...]), as: UTF8.self)
        }
        return token?.trimmingSpaces
    }
}

/// The values of a request's `keyHeaders` fields, by position in `PresentedCredential.keyHeaders`,
/// held without an allocation. Several fields of one name are joined with `, `, as HTTP joins
/// them (and as `HTTPFields`' subscript reads them).
public struct KeyHeaderValues: Sendable {
    private var values: (String?, String?, String?, String?, String?) = (nil, nil, nil, nil, nil)
    /// `authorization`'s position, whose value carries a scheme.
    static let authorization = 1

    public init() {}

    /// The position in `PresentedCredential.keyHeaders` of a lower-case field name; nil for a
    /// name that is none of them (told apart by length first: most fields are not keys).
    public static func position(of name: String) -> Int? {
        switch name.utf8.count {
        case 17: name == "x-litellm-api-key" ? 0 : nil
        case 13: name == "authorization" ? 1 : nil
        case 7: name == "api-key" ? 2 : nil
        case 9: name == "x-api-key" ? 3 : nil
        case 14: name == "x-goog-api-key" ? 4 : nil
        default: nil
        }
    }

    public mutating func add(_ value: String, at position: Int) {
        self[position] = self[position].map { $0 + ", " + value } ?? value
    }

    subscript(position: Int) -> String? {
        get {
            switch position {
            case 0: values.0
            case 1: values.1
            case 2: values.2
            case 3: values.3
            default: values.4
            }
        }
        set {
            switch position {
            case 0: values.0 = newValue
            case 1: values.1 = newValue
            case 2: values.2 = newValue
            case 3: values.3 = newValue
            default: values.4 = newValue
            }
        }
    }
}
