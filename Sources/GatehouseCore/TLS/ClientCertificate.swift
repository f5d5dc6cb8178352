import Foundation

/// What a verified client certificate says about its holder, read once per connection.
public struct ClientCertificate: Sendable, Equatable {
    /// SHA-256 of the DER certificate, lower-case hex.
    public var fingerprint: String
    /// The same digest as RFC 8705's `x5t#S256`: base64url without padding.
    public var thumbprint: String
    public var subjectCommonName: String?
    public var uris: [String]
    public var dnsNames: [String]
    public var emails: [String]
    /// When the certificate stops being valid (nil when it was not read from the certificate).
    public var notValidAfter: Date?

    public init(
        fingerprint: String, thumbprint: String, subjectCommonName: String?, uris: [String] = [], dnsNames: [String] = [], emails: [String] = []
    ) {
        self.fingerprint = fingerprint
        self.thumbprint = thumbprint
        self.subjectCommonName = subjectCommonName
        self.uris = uris
        self.dnsNames = dnsNames
        self.emails = emails
    }

    /// RFC 8705's `x5t#S256` of a certificate whose SHA-256 is `hex`.
    public static func thumbprint(hex: String) -> String {
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() { bytes.append(UInt8(String([high, low]), radix: 16) ?? 0) }
        return Base64URL.encode(bytes)
    }

    /// How a listener turns a certificate into an identity.
    public enum IdentityKind: String, Sendable, CaseIterable {
        /// The first URI subject alternative name (a SPIFFE ID).
        case sanURI = "san_uri"
        case sanDNS = "san_dns"
        case sanEmail = "san_email"
        case subjectCN = "subject_cn"
        /// The certificate itself: a new certificate is a new identity.
        case fingerprint
    }

    /// The kind of a bindable identity `<kind>:<value>` (with a value), or nil when it is not one.
    public static func kind(of identity: String) -> IdentityKind? {
        IdentityKind.allCases.first { identity.hasPrefix($0.rawValue + ":") && identity.count > $0.rawValue.count + 1 }
    }

    /// `<kind>:<value>`, or nil when the certificate has no such field.
    public func identity(_ kind: IdentityKind) -> String? {
        let value: String? =
            switch kind {
            case .sanURI: uris.first
            case .sanDNS: dnsNames.first
            case .sanEmail: emails.first
            case .subjectCN: subjectCommonName
            case .fingerprint: fingerprint
            }
        return value.map { kind.rawValue + ":" + $0 }
    }
}
