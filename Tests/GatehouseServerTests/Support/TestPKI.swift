import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

/// Certificates made at test time with swift-certificates: a CA, a server certificate for
/// 127.0.0.1, and client certificates good or bad in one way each. Files in a fresh folder.
struct TestPKI: Sendable {
    let directory: URL
    let caKey: P256.Signing.PrivateKey
    let ca: Certificate
    /// The CAs between `ca` and the trusted one (nearest first); a client sends them along.
    var parents: [Certificate] = []
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
        let pki = TestPKI(directory: directory, caKey: key, ca: ca, parents: [])
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
        // The client's certificate and the intermediate CAs it sends along (not the trusted one).
        let chain = [certificate] + (parents.isEmpty ? [] : [ca] + parents.dropLast())
        try chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n").write(toFile: paths.0, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: paths.1, atomically: true, encoding: .utf8)
        return paths
    }

    /// An intermediate CA under this one, issuing into the same folder.
    func intermediate(_ name: String) throws -> TestPKI {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date().addingTimeInterval(-3600),
            notValidAfter: Date().addingTimeInterval(86_400), issuer: ca.subject, subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: .init(caKey))
        return TestPKI(directory: directory, caKey: key, ca: certificate, parents: [ca] + parents)
    }

    /// The certificate (the first) in a file `issue` wrote.
    func certificate(in file: String) throws -> Certificate {
        try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: String(contentsOfFile: file, encoding: .utf8)).first))
    }

    /// A CRL revoking `serials`, signed by `signer` (this CA's key unless given) in this CA's name,
    /// in force from `thisUpdate` until `nextUpdate` (UTC years).
    func writeCRL(
        revoking revoked: [Certificate], to path: String, signer: P256.Signing.PrivateKey? = nil, thisUpdate: Int = 2026, nextUpdate: Int = 2049
    ) throws {
        func tbs(_ coder: inout DER.Serializer) throws {
            try coder.appendConstructedNode(identifier: .sequence) { list in
                try list.serialize(1)  // v2
                try list.appendConstructedNode(identifier: .sequence) { try $0.serialize([1, 2, 840, 10045, 4, 3, 2] as ASN1ObjectIdentifier) }
                try list.serialize(ca.subject)
                try list.serialize(try UTCTime(year: thisUpdate, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
                try list.serialize(try UTCTime(year: nextUpdate, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
                if !revoked.isEmpty {
                    try list.appendConstructedNode(identifier: .sequence) { entries in
                        for certificate in revoked {
                            try entries.appendConstructedNode(identifier: .sequence) { entry in
                                try entry.serialize(certificate.serialNumber.bytes)
                                try entry.serialize(try UTCTime(year: 2026, month: 1, day: 2, hours: 0, minutes: 0, seconds: 0))
                            }
                        }
                    }
                }
            }
        }
        var signed = DER.Serializer()
        try tbs(&signed)
        let signature = try (signer ?? caKey).signature(for: signed.serializedBytes).derRepresentation
        var crl = DER.Serializer()
        try crl.appendConstructedNode(identifier: .sequence) { outer in
            try tbs(&outer)
            try outer.appendConstructedNode(identifier: .sequence) { try $0.serialize([1, 2, 840, 10045, 4, 3, 2] as ASN1ObjectIdentifier) }
            try outer.serialize(ASN1BitString(bytes: ArraySlice(signature)))
        }
        try PEMDocument(type: "X509 CRL", derBytes: crl.serializedBytes).pemString.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func write(_ certificate: Certificate, to path: String) throws {
        try certificate.serializeAsPEM().pemString.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
