/// HTTPS on a listener, and what it asks of clients' certificates.
public struct TLSSettings: Sendable, Equatable {
    public enum ClientAuth: String, Sendable, CaseIterable {
        /// No client certificate is asked for.
        case off
        /// A certificate is verified when sent; clients without one use other credentials.
        case optional
        /// The handshake fails without a certificate the trusted CAs issued.
        case required
    }

    public var certificateFile: String
    public var keyFile: String
    public var clientAuth: ClientAuth = .off
    /// CA certificates (PEM) that client certificates must chain to.
    public var clientCAFile: String?
    /// Certificate revocation lists (PEM or DER) of those CAs and their intermediates.
    public var clientCRLFile: String?
    /// The most certificates above a client's own in its chain, the trusted CA included
    /// (1: signed directly by a trusted CA).
    public var clientVerifyDepth = 3
    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
