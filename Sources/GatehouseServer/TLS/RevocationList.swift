import Foundation
import SwiftASN1
import X509

/// A certificate revocation list (RFC 5280 §5): which serial numbers its issuer has revoked.
/// swift-certificates reads certificates but not CRLs, so the few fields a revocation check needs
/// are read here. A list applies to a certificate only when the certificate's issuer signed it.
struct RevocationList: Sendable {
    let issuer: DistinguishedName
    let thisUpdate: Date
    let nextUpdate: Date?
    let revoked: Set<Certificate.SerialNumber>
    /// The signed part (`tbsCertList`), its signature and the algorithm.
    private let signed: ArraySlice<UInt8>
    private let signature: [UInt8]
    private let algorithm: Certificate.SignatureAlgorithm

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    init(derEncoded bytes: [UInt8]) throws {
        let outer = try Self.children(of: try DER.parse(bytes))
        guard outer.count == 3 else { throw FormatError(description: "a CRL has three parts") }
        signed = outer[0].encodedBytes
        algorithm = try Self.algorithm(outer[1])
        signature = try ASN1BitString(derEncoded: outer[2]).bytes.map { $0 }

        var fields = try Self.children(of: outer[0])[...]
        if fields.first?.identifier == .integer { fields = fields.dropFirst() }  // version
        guard fields.count >= 3 else { throw FormatError(description: "a CRL names its issuer and date") }
        fields = fields.dropFirst()  // the signature algorithm again
        issuer = try DistinguishedName(derEncoded: fields.removeFirst())
        thisUpdate = try Self.date(fields.removeFirst())
        if let next = fields.first, next.identifier == .utcTime || next.identifier == .generalizedTime {
            nextUpdate = try Self.date(next)
            fields = fields.dropFirst()
        } else {
            nextUpdate = nil
        }
        var revoked: Set<Certificate.SerialNumber> = []
        if let list = fields.first, list.identifier == .sequence {
            for entry in try Self.children(of: list) {
                guard let serial = try Self.children(of: entry).first else { throw FormatError(description: "a revoked entry without a serial") }
                revoked.insert(Certificate.SerialNumber(bytes: try ArraySlice<UInt8>(derEncoded: serial)))
            }
        }
        self.revoked = revoked
    }

    /// Every CRL in a file: PEM blocks (`-----BEGIN X509 CRL-----`) or one DER list.
    static func load(file: String) throws -> [RevocationList] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            return try PEMDocument.parseMultiple(pemString: text).filter { $0.discriminator == "X509 CRL" }.map {
                try RevocationList(derEncoded: $0.derBytes)
            }
        }
        return [try RevocationList(derEncoded: [UInt8](data))]
    }

    /// Whether `issuer` issued this list: its name and a signature its key made.
    func isSigned(by issuer: Certificate) -> Bool {
        issuer.subject == self.issuer && issuer.publicKey.isValidSignature(signature, for: signed, signatureAlgorithm: algorithm)
    }

    /// Whether the list is in force at `date`: issued by then and not past its `nextUpdate`.
    func isCurrent(at date: Date) -> Bool {
        thisUpdate <= date && nextUpdate.map { date < $0 } ?? true
    }

    /// Whether this list revokes `certificate`, which `issuer` signed.
    func revokes(_ certificate: Certificate, issuedBy issuer: Certificate) -> Bool {
        certificate.issuer == self.issuer && revoked.contains(certificate.serialNumber) && isSigned(by: issuer)
    }

    private static func children(of node: ASN1Node) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw FormatError(description: "expected a SEQUENCE") }
        return Array(nodes)
    }

    private static func date(_ node: ASN1Node) throws -> Date {
        var parts = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"))
        if node.identifier == .utcTime {
            let time = try UTCTime(derEncoded: node)
            (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) =
                (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else {
            let time = try GeneralizedTime(derEncoded: node)
            (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) =
                (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        }
        guard let date = parts.date else { throw FormatError(description: "an invalid date") }
        return date
    }

    /// The signature algorithms certificates are signed with.
    private static let algorithms: [ASN1ObjectIdentifier: Certificate.SignatureAlgorithm] = [
        [1, 2, 840, 10045, 4, 3, 2]: .ecdsaWithSHA256, [1, 2, 840, 10045, 4, 3, 3]: .ecdsaWithSHA384,
        [1, 2, 840, 10045, 4, 3, 4]: .ecdsaWithSHA512, [1, 2, 840, 113549, 1, 1, 11]: .sha256WithRSAEncryption,
        [1, 2, 840, 113549, 1, 1, 12]: .sha384WithRSAEncryption, [1, 2, 840, 113549, 1, 1, 13]: .sha512WithRSAEncryption,
        [1, 3, 101, 112]: .ed25519,
    ]

    private static func algorithm(_ node: ASN1Node) throws -> Certificate.SignatureAlgorithm {
        guard let oid = try children(of: node).first, let known = algorithms[try ASN1ObjectIdentifier(derEncoded: oid)] else {
            throw FormatError(description: "an unsupported signature algorithm")
        }
        return known
    }
}
