import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made at test time with swift-certificates: a CA, a server certificate for
/// 127.0.0.1, and client certificates good or bad in one way each. Files in a fresh folder.
struct TestPKI: Sendable {
    let directory: URL
    let caKey: P256.Signing.PrivateKey
    let ca: Certificate
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificateFile: String { directory.appendingPathComponent("server.pem").path }
    var serverKeyFile: String { directory.appendingPathComponent("server.key").path }

    static func make(name: String = "Gatehouse Test CA") throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date().addingTimeInterval(-3600),
            notValidAfter: Date().addingTimeInterval(86_400), issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: .init(key))
        let pki = TestPKI(directory: directory, caKey: key, ca: ca)
        try pki.write(ca, to: pki.caFile)
        _ = try pki.issue(
            "server", commonName: "127.0.0.1", names: [.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("localhost")],
            usage: [.serverAuth])
        return pki
    }

    /// A leaf certificate signed by this CA. - Returns: its certificate and key files.
    @discardableResult
    func issue(
        _ file: String, commonName: String, names: [GeneralName] = [], usage: [ExtendedKeyUsage.Usage] = [.clientAuth],
        validFrom: Date = Date().addingTimeInterval(-3600), until: Date = Date().addingTimeInterval(86_400)
    ) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: validFrom, notValidAfter: until,
            issuer: ca.subject, subject: try DistinguishedName { CommonName(commonName) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage(usage)
                if !names.isEmpty { SubjectAlternativeNames(names) }
            }, issuerPrivateKey: .init(caKey))
        let paths = (directory.appendingPathComponent(file + ".pem").path, directory.appendingPathComponent(file + ".key").path)
        try write(certificate, to: paths.0)
        try key.pemRepresentation.write(toFile: paths.1, atomically: true, encoding: .utf8)
        return paths
    }

    func write(_ certificate: Certificate, to path: String) throws {
        try certificate.serializeAsPEM().pemString.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
