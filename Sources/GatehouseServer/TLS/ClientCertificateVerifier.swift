import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Checks a client certificate chain in place of BoringSSL, which NIOSSL offers no way to give
/// CRLs or a depth limit: a path to a trusted CA with valid signatures and dates (RFC 5280),
/// the client certificate fit for client authentication, no more CAs above it than `maxDepth`,
/// and nothing in the path revoked by a CRL its issuer signed.
struct ClientCertificateVerifier: Sendable {
    let roots: [Certificate]
    let revocations: [RevocationList]
    /// The most certificates above the client's own in its path, the trusted CA included
    /// (nginx's `ssl_verify_depth`): 1 means signed directly by a trusted CA.
    let maxDepth: Int

    init(caFile: String, crlFile: String?, maxDepth: Int) throws {
        roots = try PEMDocument.parseMultiple(pemString: String(contentsOfFile: caFile, encoding: .utf8))
            .filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(pemDocument: $0) }
        revocations = try crlFile.map { try RevocationList.load(file: $0) } ?? []
        self.maxDepth = maxDepth
    }

    /// Whether the certificates a client presented (its own first) make a trusted path.
    /// - Returns: nil when they do, else why not (for the log; never sent to the client).
    func refusal(of presented: [Certificate]) async -> String? {
        guard let leaf = presented.first else { return "no certificate" }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
            ClientAuthenticationPolicy()
            DepthPolicy(maxDepth: maxDepth)
            RevocationPolicy(lists: revocations)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(presented.dropFirst())) {
        case .validCertificate: return nil
        case .couldNotValidate(let failures):
            return failures.first.map { "\($0.policyFailureReason)" } ?? "no path to a trusted CA"
        }
    }

    /// NIOSSL's hook: the handshake completes only if the chain verifies.
    func callback(onRefusal: @escaping @Sendable (_ subject: String, _ reason: String) -> Void) -> NIOSSLCustomVerificationCallback {
        { presented, promise in
            let certificates = presented.compactMap { try? Certificate(derEncoded: try $0.toDERBytes()) }
            guard certificates.count == presented.count else {
                onRefusal("?", "a certificate that does not parse")
                return promise.succeed(.failed)
            }
            promise.completeWithTask {
                guard let reason = await refusal(of: certificates) else { return .certificateVerified }
                onRefusal(certificates.first.map { "\($0.subject)" } ?? "?", reason)
                return .failed
            }
        }
    }
}

/// The client certificate's extended key usage, when it has one, allows client authentication.
struct ClientAuthenticationPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let usage: ExtendedKeyUsage?
        do { usage = try chain.leaf.extensions.extendedKeyUsage } catch { return .failsToMeetPolicy(reason: "an unreadable extended key usage") }
        guard let usage else { return .meetsPolicy }
        return usage.contains(.clientAuth) || usage.contains(.any) ? .meetsPolicy : .failsToMeetPolicy(reason: "not for client authentication")
    }
}

/// At most `maxDepth` certificates above the client's own.
struct DepthPolicy: VerifierPolicy {
    let maxDepth: Int
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        chain.count - 1 <= maxDepth ? .meetsPolicy : .failsToMeetPolicy(reason: "a chain deeper than \(maxDepth)")
    }
}

/// No certificate in the path is revoked by a list its issuer signed, and no such list is out of
/// date: a list past its `nextUpdate` (or not yet issued) fails closed for the certificates of its
/// issuer, as OpenSSL and nginx refuse them ("CRL has expired") — whatever it no longer vouches
/// for may have been revoked since. The file is re-read like the other TLS files, so a fresh
/// list applies to the next handshake.
struct RevocationPolicy: VerifierPolicy {
    let lists: [RevocationList]
    var now: @Sendable () -> Date = Date.init
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        guard !lists.isEmpty else { return .meetsPolicy }
        for index in chain.indices.dropLast() {
            let (certificate, issuer) = (chain[index], chain[index + 1])
            if lists.contains(where: { $0.revokes(certificate, issuedBy: issuer) }) {
                return .failsToMeetPolicy(reason: "revoked: serial \(certificate.serialNumber) of \(certificate.issuer)")
            }
            // The signature is checked last: only a list that is out of date costs one.
            let date = now()
            if let stale = lists.first(where: { $0.issuer == certificate.issuer && !$0.isCurrent(at: date) && $0.isSigned(by: issuer) }) {
                let until = stale.nextUpdate.map { "\($0)" } ?? "none"
                return .failsToMeetPolicy(reason: "the revocation list of \(certificate.issuer) is not in force (next update \(until))")
            }
        }
        return .meetsPolicy
    }
}
