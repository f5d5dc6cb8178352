import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Where a request's verified client certificate comes from: the header of a trusted proxy that
/// terminated TLS (only when the connection comes from one of `trustedProxies`; from anyone
/// else the header means nothing), or the listener's own TLS handshake.
struct ClientCertificateSource: Sendable {
    /// Certificates of the listeners' TLS connections (nil: no listener asks for one).
    let handshakes: ClientCertificates?
    let trustedProxies: [IPNetwork]
    let header: HTTPField.Name

    /// Nil when neither TLS client authentication nor trusted proxies are configured.
    /// - Parameters:
    ///   - listeners: the TLS of every listener (nil: plain HTTP).
    ///   - header: where a trusted proxy puts the certificate it verified.
    init?(listeners: [TLSSettings?], trustedProxies: [IPNetwork], header: String) {
        let asked = listeners.contains { ($0?.clientAuth ?? .off) != .off }
        let handshakes = asked ? ClientCertificates() : nil
        guard handshakes != nil || !trustedProxies.isEmpty else { return nil }
        self.handshakes = handshakes
        self.trustedProxies = trustedProxies
        self.header = HTTPField.Name(header) ?? HTTPField.Name("x-forwarded-client-cert")!
    }

    func certificate(_ request: Request, channel: any Channel) -> ClientCertificate? {
        if !trustedProxies.isEmpty, let forwarded = request.headers[header], let peer = channel.remoteAddress?.ipAddress,
            trustedProxies.contains(where: { $0.contains(peer) })
        {
            return ForwardedClientCertificate.parse(forwarded)
        }
        return handshakes?.certificate(for: channel)
    }
}
