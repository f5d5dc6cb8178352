import Crypto
import Foundation
import GatehouseCore
import Testing
import X509

@Suite("Client certificate chains: revocation and depth")
struct CertificateRevocationTests {
    typealias Client = MutualTLSTests.Client

    /// Whether a fresh connection presenting `certificate` completes a request.
    @Sendable func accepted(_ certificate: (certificate: String, key: String), port: Int, pki: TestPKI) async -> Bool {
        guard let client = try? Client(port: port, pki: pki, certificate: certificate) else { return false }
        let status = try? await client.post("/v1/models", nil, key: TestKeys.master, timeout: 2).status
        try? await client.shutdown()
        return status == 200
    }

    func config(_ pki: TestPKI, crlFile: String?, depth: Int) -> GatehouseConfig {
        var config = MutualTLSTests().config(pki, clientAuth: .required)
        config.server.listener.tls?.clientCRLFile = crlFile
        config.server.listener.tls?.clientVerifyDepth = depth
        config.server.listener.tlsReloadCheckSeconds = 0.1
        return config
    }

    @Test func revokedCertificatesAndCAsFailTheHandshakeAndAReplacedListAppliesToNewConnections() async throws {
        let root = try TestPKI.make()
        let issuing = try root.intermediate("Issuing CA")
        let withdrawn = try root.intermediate("Withdrawn CA")
        let direct = try root.issue("direct", commonName: "direct")
        let revokedDirect = try root.issue("revoked-direct", commonName: "revoked direct")
        let viaIssuing = try issuing.issue("via-issuing", commonName: "via issuing")
        let revokedViaIssuing = try issuing.issue("revoked-via-issuing", commonName: "revoked via issuing")
        let viaWithdrawn = try withdrawn.issue("via-withdrawn", commonName: "via withdrawn")

        // The root revokes one client and the withdrawn CA; the issuing CA revokes one of its own;
        // a list in the root's name that another key signed (revoking `direct`) counts for nothing.
        let part = { (name: String) in root.directory.appendingPathComponent(name).path }
        try root.writeCRL(revoking: [try root.certificate(in: revokedDirect.certificate), withdrawn.ca], to: part("root.crl"))
        try issuing.writeCRL(revoking: [try issuing.certificate(in: revokedViaIssuing.certificate)], to: part("issuing.crl"))
        try root.writeCRL(revoking: [try root.certificate(in: direct.certificate)], to: part("forged.crl"), signer: P256.Signing.PrivateKey())
        let crlFile = part("all.crl")
        try ["root.crl", "issuing.crl", "forged.crl"].map { try String(contentsOfFile: part($0), encoding: .utf8) }.joined()
            .write(toFile: crlFile, atomically: true, encoding: .utf8)

        try await withGatehouse(config(root, crlFile: crlFile, depth: 3)) { _, port in
            #expect(await accepted(direct, port: port, pki: root))
            #expect(await accepted(viaIssuing, port: port, pki: root))
            #expect(await !accepted(revokedDirect, port: port, pki: root))
            #expect(await !accepted(revokedViaIssuing, port: port, pki: root))
            #expect(await !accepted(viaWithdrawn, port: port, pki: root))

            // A new list from the root now revoking `direct` too: new connections are refused.
            try root.writeCRL(revoking: [try root.certificate(in: direct.certificate)], to: crlFile)
            #expect(await eventually { await !accepted(direct, port: port, pki: root) })
            // Only the root's list is in the file now: the issuing CA's revocation is gone.
            #expect(await accepted(revokedViaIssuing, port: port, pki: root))
        }
    }

    /// A list past its `nextUpdate`, or not yet issued, fails closed for its issuer's certificates
    /// (as OpenSSL and nginx do); a fresh list read at the next reload check lifts that.
    @Test func aListOutOfDateRefusesItsIssuersCertificatesUntilAFreshOneArrives() async throws {
        let root = try TestPKI.make()
        let issuing = try root.intermediate("Issuing CA")
        let direct = try root.issue("direct", commonName: "direct")
        let viaIssuing = try issuing.issue("via-issuing", commonName: "via issuing")
        let part = { @Sendable (name: String) in root.directory.appendingPathComponent(name).path }
        let crlFile = part("all.crl")
        @Sendable func writeLists(issuing thisUpdate: Int, _ nextUpdate: Int) throws {
            try root.writeCRL(revoking: [], to: part("root.crl"))
            // Out of date and in the root's name, but not signed by the root: it counts for nothing.
            try root.writeCRL(revoking: [], to: part("forged.crl"), signer: P256.Signing.PrivateKey(), thisUpdate: 2024, nextUpdate: 2025)
            try issuing.writeCRL(revoking: [], to: part("issuing.crl"), thisUpdate: thisUpdate, nextUpdate: nextUpdate)
            try ["root.crl", "forged.crl", "issuing.crl"].map { try String(contentsOfFile: part($0), encoding: .utf8) }.joined()
                .write(toFile: crlFile, atomically: true, encoding: .utf8)
        }
        try writeLists(issuing: 2024, 2025)
        try await withGatehouse(config(root, crlFile: crlFile, depth: 3)) { _, port in
            #expect(await accepted(direct, port: port, pki: root))
            #expect(await !accepted(viaIssuing, port: port, pki: root))
            try writeLists(issuing: 2026, 2049)
            #expect(await eventually { await accepted(viaIssuing, port: port, pki: root) })
            // A list not yet in force does not vouch either.
            try writeLists(issuing: 2040, 2049)
            #expect(await eventually { await !accepted(viaIssuing, port: port, pki: root) })
            #expect(await accepted(direct, port: port, pki: root))
        }
    }

    @Test func aChainDeeperThanTheLimitFailsTheHandshake() async throws {
        let root = try TestPKI.make()
        let issuing = try root.intermediate("Issuing CA")
        let deeper = try issuing.intermediate("Department CA")
        let direct = try root.issue("direct", commonName: "direct")
        let viaOne = try issuing.issue("via-one", commonName: "one intermediate")
        let viaTwo = try deeper.issue("via-two", commonName: "two intermediates")

        try await withGatehouse(config(root, crlFile: nil, depth: 1)) { _, port in
            #expect(await accepted(direct, port: port, pki: root))
            #expect(await !accepted(viaOne, port: port, pki: root))
        }
        try await withGatehouse(config(root, crlFile: nil, depth: 2)) { _, port in
            #expect(await accepted(viaOne, port: port, pki: root))
            #expect(await !accepted(viaTwo, port: port, pki: root))
        }
        try await withGatehouse(config(root, crlFile: nil, depth: 3)) { _, port in
            #expect(await accepted(viaTwo, port: port, pki: root))
        }
    }

    @Test func selfSignedAndImpostorCertificatesFailTheHandshake() async throws {
        let root = try TestPKI.make()
        let direct = try root.issue("direct", commonName: "direct")
        // A CA of the same name as the trusted one, with another key: its certificates name the
        // trusted CA as issuer, but their signatures are not its.
        let impostorCA = try TestPKI.make(name: "Gatehouse Test CA")
        let impostor = try impostorCA.issue("impostor", commonName: "direct")
        // A self-signed certificate (the impostor's own CA certificate, with its key).
        let selfSigned = (certificate: impostorCA.directory.appendingPathComponent("self.pem").path, key: impostorCA.caFile + ".key")
        try impostorCA.write(impostorCA.ca, to: selfSigned.certificate)
        try impostorCA.caKey.pemRepresentation.write(toFile: selfSigned.key, atomically: true, encoding: .utf8)

        try await withGatehouse(config(root, crlFile: nil, depth: 3)) { _, port in
            #expect(await accepted(direct, port: port, pki: root))
            #expect(await !accepted(impostor, port: port, pki: root))
            #expect(await !accepted(selfSigned, port: port, pki: root))
            // Refused handshakes are audited and counted like any failed authentication.
            let admin = try Client(port: port, pki: root, certificate: direct)
            let trail = try await admin.post("/audit?action=auth.failure", nil, key: TestKeys.master).json?["records"]?.arrayValue ?? []
            // (The impostor's; the self-signed CA certificate's handshake ends before the check.)
            #expect(
                trail.first?["details"]?["subject"] == "CN=direct"
                    && trail.allSatisfy { $0["details"]?["method"] == "client_certificate" && $0["address"] == "127.0.0.1" })
            try await admin.shutdown()
        }
    }
}
