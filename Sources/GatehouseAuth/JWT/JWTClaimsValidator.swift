import Foundation
import GatehouseCore

/// The claim checks of RFC 7519 and RFC 8725 for one issuer, and the mapping of claims to an
/// identity. Pure: the signature has been verified already, the clock is a parameter.
enum JWTClaimsValidator {
    static func validate(header: JSONValue, payload: JSONValue, settings: JWTIssuerSettings, now: Date) throws(TokenError) -> TokenIdentity {
        if let required = settings.requiredType {
            let typ = header["typ"]?.stringValue?.lowercased() ?? ""
            guard typ == required.lowercased() || typ == "application/" + required.lowercased() else {
                throw .rejected("the token type must be \(required)")
            }
        }
        let clock = now.timeIntervalSince1970
        let leeway = settings.leewaySeconds
        guard let exp = payload["exp"]?.doubleValue, exp.isFinite else { throw .rejected("`exp` is required and must be a number") }
        guard clock < exp + leeway else { throw .rejected("the token has expired") }
        if let value = payload["nbf"] {
            guard let nbf = value.doubleValue, nbf.isFinite else { throw .rejected("`nbf` must be a number") }
            guard clock + leeway >= nbf else { throw .rejected("the token is not valid yet") }
        }
        var issuedAt: Double?
        if let value = payload["iat"] {
            guard let iat = value.doubleValue, iat.isFinite else { throw .rejected("`iat` must be a number") }
            guard iat <= clock + leeway else { throw .rejected("the token was issued in the future") }
            issuedAt = iat
        }
        guard exp - (issuedAt ?? clock) <= settings.maxLifetimeSeconds else {
            throw .rejected("the token's lifetime exceeds \(Int(saturating: settings.maxLifetimeSeconds)) seconds")
        }
        let audiences: [String]
        switch payload["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.stringValue)
        default: throw .rejected("`aud` is required")
        }
        guard audiences.contains(where: settings.audiences.contains) else { throw .rejected("the token is meant for another audience") }

        return try settings.mapping.identity(from: payload, expiresAt: Date(timeIntervalSince1970: exp))
    }
}
