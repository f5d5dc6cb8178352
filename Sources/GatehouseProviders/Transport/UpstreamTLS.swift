public import NIOSSL

/// TLS towards upstreams, shared by both HTTP clients: TLS 1.2 or later, certificates verified
/// against the system's roots plus, optionally, an operator's CA bundle (for a private vLLM or a
/// corporate proxy).
public enum UpstreamTLS {
    public static func configuration(extraCAFile: String? = nil) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let extraCAFile { tls.additionalTrustRoots = [.file(extraCAFile)] }
        return tls
    }
}
