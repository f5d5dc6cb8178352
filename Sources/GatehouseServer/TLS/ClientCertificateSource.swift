import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Where a request's verified client certificate comes from: the header of a trusted proxy that
/// terminated TLS (only when the connection comes from one of `trustedProxies`; from anyone
/// else the header means nothing), or this listener's own TLS handshake.
struct ClientCertificateSource: Sendable {
    /// Certificates of this listener's TLS connections (nil: it asks for none).
    let handshakes: ClientCertificates?
    let trustedProxies: [IPNetwork]
    let header: HTTPField.Name
    let authenticator: CertificateAuthenticator
    let routes: [ServerSettings.CertificateRoute]

    /// Nil when neither TLS client authentication nor trusted proxies are configured.
    init?(settings: ServerSettings, cache: IdentityCache) {
        let handshakes = settings.tls.flatMap { $0.clientAuth == .off ? nil : ClientCertificates() }
        guard handshakes != nil || !settings.trustedProxies.isEmpty else { return nil }
        routes = settings.certificateRoutes
        self.handshakes = handshakes
        trustedProxies = settings.trustedProxies
        header = HTTPField.Name(settings.clientCertificateHeader) ?? HTTPField.Name("x-forwarded-client-cert")!
        authenticator = CertificateAuthenticator(cache: cache, kind: settings.clientCertificateIdentity)
    }

    /// What the first `certificate_routes` entry matching `path` asks for.
    func policy(for path: String) -> ServerSettings.CertificatePolicy {
        routes.first { RouteAccess.allows([$0.route], path: path) }?.policy ?? .any
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
