import Foundation
import GatehouseCore

/// A JWS in compact serialisation, split and decoded but not yet trusted.
struct CompactJWT {
    static let maximumLength = 16 * 1024

    let header: JSONValue
    let payload: JSONValue
    /// `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Whether a credential has the shape of a JWT at all (three base64url segments, the first
    /// starting like a JSON object), so that other credentials are left to other authenticators.
    static func looksLikeJWT(_ token: String) -> Bool {
        token.hasPrefix("eyJ") && token.utf8.count <= maximumLength && token.utf8.lazy.filter { $0 == UInt8(ascii: ".") }.count == 2
    }

    init(_ token: String) throws(TokenError) {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumLength else { throw .malformed("the token is too long") }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("a JWT has three segments") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw .malformed("a segment is not base64url") }
        guard let header = try? JSONCoding.decode(headerBytes), case .object = header, let payload = try? JSONCoding.decode(payloadBytes),
            case .object = payload
        else { throw .malformed("the header and payload must be JSON objects") }
        // RFC 7515 §4.1.11: a token whose `crit` names an extension the verifier does not
        // understand is invalid. Gatehouse understands none, so any `crit` refuses the token.
        guard header["crit"] == nil else { throw .rejected("the token has critical header extensions (`crit`) this gateway does not process") }
        self.header = header
        self.payload = payload
        signingInput = Array(bytes[..<(parts[0].count + 1 + parts[1].count)])
        self.signature = signature
    }
}
