import Crypto
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTPTypes
import NIOSSL
import NIOTLS
import SwiftASN1
import Synchronization
import X509

/// The verified client certificate of each open TLS connection, read once when its handshake
/// completes: requests look theirs up by connection instead of asking the TLS handler (an event
/// loop hop) each time.
final class ClientCertificates: Sendable {
    private let byConnection = Mutex<[ObjectIdentifier: ClientCertificate]>([:])
    /// The certificates seen lately, by each identity they carry: the console shows a binding's
    /// certificate with its expiry. Bounded: the least recently seen leave first.
    private let seen = Mutex<[String: Sighting]>([:])
    static let maxSightings = 10_000

    struct Sighting: Sendable {
        let certificate: ClientCertificate
        let at: Date
    }

    func certificate(for channel: any Channel) -> ClientCertificate? {
        byConnection.withLock { $0[ObjectIdentifier(channel)] }
    }

    fileprivate func set(_ certificate: ClientCertificate?, for channel: any Channel) {
        byConnection.withLock { $0[ObjectIdentifier(channel)] = certificate }
        if let certificate { sighted(certificate, at: Date()) }
    }

    /// Remembers a certificate under each identity it carries (once per connection).
    func sighted(_ certificate: ClientCertificate, at now: Date) {
        let identities = ClientCertificate.IdentityKind.allCases.compactMap { certificate.identity($0) }
        seen.withLock { seen in
            for identity in identities { seen[identity] = Sighting(certificate: certificate, at: now) }
            if seen.count > Self.maxSightings {
                let oldest = seen.sorted { $0.value.at < $1.value.at }.prefix(seen.count - Self.maxSightings * 3 / 4)
                for (identity, _) in oldest { seen[identity] = nil }
            }
        }
    }

    /// The last certificate seen with this identity (`san_uri:spiffe://…`), and when.
    func lastSeen(_ identity: String) -> Sighting? { seen.withLock { $0[identity] } }

    /// A handler for each connection's pipeline that records its certificate.
    func capture() -> ClientCertificateCapture { ClientCertificateCapture(registry: self) }

    /// What a certificate says about its holder.
    static func read(_ certificate: NIOSSLCertificate) throws -> ClientCertificate {
        let der = try certificate.toDERBytes()
        let parsed = try Certificate(derEncoded: der)
        let digest = Array(SHA256.hash(data: der))
        let fingerprint = digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let thumbprint = Base64URL.encode(digest)
        var commonName: String?
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName { commonName = String(attribute.value) }
        }
        var read = ClientCertificate(fingerprint: fingerprint, thumbprint: thumbprint, subjectCommonName: commonName)
        read.notValidAfter = parsed.notValidAfter
        for name in try parsed.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
            switch name {
            case .uniformResourceIdentifier(let uri): read.uris.append(uri)
            case .dnsName(let dns): read.dnsNames.append(dns)
            case .rfc822Name(let email): read.emails.append(email)
            default: break
            }
        }
        return read
    }
}

/// Records a connection's verified client certificate when the TLS handshake completes, and
/// forgets it when the connection closes.
final class ClientCertificateCapture: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    let registry: ClientCertificates

    init(registry: ClientCertificates) {
        self.registry = registry
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent,
            let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        {
            registry.set(try? ClientCertificates.read(certificate), for: context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        registry.set(nil, for: context.channel)
        context.fireChannelInactive()
    }
}
