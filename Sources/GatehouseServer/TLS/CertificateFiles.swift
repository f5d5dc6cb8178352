import Foundation
import GatehouseCore
import NIOSSL
import SwiftASN1
import X509

/// The certificates a listener's TLS is configured with — its own and the CAs its clients'
/// certificates must chain to — read from their files with their expiries, for the console.
enum CertificateFiles {
    struct Entry: Sendable {
        /// `server certificate (main listener)`, `client CA (management listener)`.
        var role: String
        var path: String
        var subject: String
        var notValidAfter: Date?
        /// Why the file could not be read, when it could not.
        var problem: String?
    }

    static func entries(_ listeners: [(name: String, tls: TLSSettings?)]) -> [Entry] {
        var entries: [Entry] = []
        for (name, tls) in listeners {
            guard let tls else { continue }
            entries += read(tls.certificateFile, role: "server certificate (\(name))", first: true)
            if let authorities = tls.clientCAFile { entries += read(authorities, role: "client CA (\(name))", first: false) }
        }
        return entries
    }

    /// The certificates of a PEM file (only the first, the leaf, of a server's chain).
    static func read(_ path: String, role: String, first: Bool) -> [Entry] {
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(path)
            return try (first ? Array(certificates.prefix(1)) : certificates).map { certificate in
                let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
                return Entry(role: role, path: path, subject: parsed.subject.description, notValidAfter: parsed.notValidAfter)
            }
        } catch {
            return [Entry(role: role, path: path, subject: "", notValidAfter: nil, problem: "could not be read")]
        }
    }
}
