import Crypto
public import GatehouseCore

/// A session cookie's secret (`gsess-` + 256 random bits as 43 base64url characters), the
/// digest it is stored by, and the CSRF token derived from it: a page that can read the
/// session's own responses learns the token; another site, which cannot read the cookie, cannot
/// make it.
public struct SessionToken: Sendable, Equatable {
    public static let prefix = "gsess-"
    public let secret: String

    public init(secret: String) {
        self.secret = secret
    }

    /// A new secret from the system's secure random generator.
    public static func generate() -> SessionToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return SessionToken(secret: prefix + Base64URL.encode(bytes))
    }

    /// Whether `text` has the shape of a secret this type makes (anything else is looked up nowhere).
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == prefix.utf8.count + 43 && text.hasPrefix(prefix)
    }

    /// The hex SHA-256 the session is stored by.
    public var storageID: String { APIKeyFormat.hash(secret) }

    /// What a state-changing request must send in `X-CSRF-Token` with this session's cookie.
    public var csrfToken: String { Base64URL.encode(SHA256.hash(data: Array(("gatehouse-csrf:" + secret).utf8))) }

    /// Compares a presented CSRF token without an early exit.
    public func acceptsCSRF(_ presented: String) -> Bool { ConstantTime.equal(csrfToken, presented) }
}
