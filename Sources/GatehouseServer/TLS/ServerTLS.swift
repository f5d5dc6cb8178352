import GatehouseCore
import NIOSSL

extension TLSSettings {
    /// The listener's TLS: TLS 1.2 at least, the client certificate policy, and the CAs client
    /// certificates must chain to. BoringSSL checks the chain, the validity dates and that the
    /// certificate may authenticate clients (extended key usage).
    func serverConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        )
        configuration.minimumTLSVersion = .tlsv12
        switch clientAuth {
        case .off: configuration.certificateVerification = .none
        case .optional: configuration.certificateVerification = .optionalVerification
        case .required: configuration.certificateVerification = .noHostnameVerification
        }
        if let clientCAFile { configuration.trustRoots = .file(clientCAFile) }
        return configuration
    }
}
