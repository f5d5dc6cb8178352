public import GatehouseCore

/// The credential a request carries, taken from the headers LiteLLM accepts. Two different
/// credentials in one request are refused rather than letting the first valid one win.
public struct PresentedCredential: Sendable, Equatable {
    public let secret: String
    /// SHA-256 of the secret, computed once for every authenticator that compares digests.
    public let digest: KeyDigest

    public init(secret: String) {
        self.secret = secret
        self.digest = KeyDigest(key: secret)
    }

    /// Header names that carry an API key, in LiteLLM's precedence.
    public static let keyHeaders = ["x-litellm-api-key", "authorization", "api-key", "x-api-key", "x-goog-api-key"]

    /// - Parameter header: looks up a header value by lower-case name.
    public static func extract(header: (String) -> String?) throws(GatewayError) -> PresentedCredential? {
        var found: String?
        for name in keyHeaders {
            guard let raw = header(name) else { continue }
            var value = raw.trimmingSpaces
            if name == "authorization" {
                guard value.count >= 7, value.prefix(7).lowercased() == "bearer " else {
                    throw GatewayError.unauthorized("Authorization header must use the Bearer scheme.")
                }
                value = String(value.dropFirst(7)).trimmingSpaces
            }
            guard !value.isEmpty else { throw GatewayError.unauthorized("Empty credential in the `\(name)` header.") }
            if let found, found != value {
                throw GatewayError.unauthorized("The request carries two different credentials.")
            }
            found = value
        }
        return found.map(PresentedCredential.init(secret:))
    }
}

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
