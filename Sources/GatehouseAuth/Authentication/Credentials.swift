public import GatehouseCore

/// Everything a request brings to prove who it is, as the listener found it: a secret (key, JWT,
/// token) from the headers or URL, the connection's verified client certificate, a session
/// cookie. Which of them decides is `Authentication`'s choice, not the caller's.
public struct Credentials: Sendable {
    /// The secret from the headers or URL (possibly the certificate placeholder an SDK needs).
    /// Carries the certificate with it, however it is set: a key may be bound to one.
    public var secret: PresentedCredential? {
        didSet { secret?.clientCertificate = certificate }
    }
    public var certificate: ClientCertificate?
    /// Read only when `mayUseSession`: a cookie never outranks a key or a certificate.
    public var session: SessionToken?

    public init(secret: PresentedCredential? = nil, certificate: ClientCertificate? = nil, session: SessionToken? = nil) {
        self.secret = secret
        self.certificate = certificate
        self.session = session
        self.secret?.clientCertificate = certificate
    }

    /// The API key an SDK must send when its client proves itself with a certificate: it stands
    /// for "no key".
    public static let certificatePlaceholder = "mtls"

    /// A secret other than the certificate placeholder.
    public var hasKey: Bool { secret.map { $0.secret != Self.certificatePlaceholder } ?? false }

    /// Whether a session cookie would be looked at: only when nothing else proves who it is.
    public var mayUseSession: Bool { secret == nil && certificate == nil }
}
