import Foundation
import GatehouseCore

/// Who a verified token names and what it may do, as read from its claims.
struct JWTIdentity: Sendable {
    var subject: String
    var email: String?
    var teamID: String?
    var organizationID: String?
    var role: Principal.Role = .internalUser
    /// The models the token's scopes grant, when the issuer maps scopes to models.
    var models: [String] = []
    var expiresAt: Date
}

/// The claim checks of RFC 7519 and RFC 8725 for one issuer, and the mapping of claims to an
/// identity. Pure: the signature has been verified already, the clock is a parameter.
enum JWTClaimsValidator {
    static let roleStrength: [Principal.Role] = [.internalUserViewer, .internalUser, .proxyAdminViewer, .proxyAdmin]

    static func validate(header: JSONValue, payload: JSONValue, settings: JWTIssuerSettings, now: Date) throws(JWTError) -> JWTIdentity {
        if let required = settings.requiredType {
            let typ = header["typ"]?.stringValue?.lowercased() ?? ""
            guard typ == required.lowercased() || typ == "application/" + required.lowercased() else {
                throw .rejected("the token type must be \(required)")
            }
        }
        let clock = now.timeIntervalSince1970
        let leeway = settings.leewaySeconds
        guard case .number(let exp)? = payload["exp"], exp.isFinite else { throw .rejected("`exp` is required and must be a number") }
        guard clock < exp + leeway else { throw .rejected("the token has expired") }
        if let value = payload["nbf"] {
            guard case .number(let nbf) = value, nbf.isFinite else { throw .rejected("`nbf` must be a number") }
            guard clock + leeway >= nbf else { throw .rejected("the token is not valid yet") }
        }
        var issuedAt: Double?
        if let value = payload["iat"] {
            guard case .number(let iat) = value, iat.isFinite else { throw .rejected("`iat` must be a number") }
            guard iat <= clock + leeway else { throw .rejected("the token was issued in the future") }
            issuedAt = iat
        }
        guard exp - (issuedAt ?? clock) <= settings.maxLifetimeSeconds else {
            throw .rejected("the token's lifetime exceeds \(Int(settings.maxLifetimeSeconds)) seconds")
        }
        let audiences: [String]
        switch payload["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.stringValue)
        default: throw .rejected("`aud` is required")
        }
        guard audiences.contains(where: settings.audiences.contains) else { throw .rejected("the token is meant for another audience") }

        guard let subject = claim(settings.claims.user, in: payload)?.stringValue, !subject.isEmpty else {
            throw .rejected("the `\(settings.claims.user)` claim is required")
        }
        var identity = JWTIdentity(subject: subject, expiresAt: Date(timeIntervalSince1970: exp))
        identity.email = claim(settings.claims.email, in: payload)?.stringValue
        identity.teamID = settings.claims.team.flatMap { firstString(claim($0, in: payload)) }
        identity.organizationID = settings.claims.organization.flatMap { firstString(claim($0, in: payload)) }
        if let rolesClaim = settings.claims.roles {
            let granted = strings(claim(rolesClaim, in: payload)).compactMap { settings.roleMappings[$0] }
            identity.role = roleStrength.last(where: granted.contains) ?? .internalUser
        }
        if !settings.scopeModels.isEmpty {
            let scopes = strings(claim(settings.claims.scopes, in: payload))
            identity.models = scopes.flatMap { settings.scopeModels[$0] ?? [] }
            guard !identity.models.isEmpty else { throw .noModels }
        }
        return identity
    }

    /// A claim by name, or by a dotted path into nested objects when no claim has that exact name.
    static func claim(_ path: String, in payload: JSONValue) -> JSONValue? {
        if let exact = payload[path] { return exact }
        var value: JSONValue? = payload
        for part in path.split(separator: ".") { value = value?[String(part)] }
        return value
    }

    /// A list claim, or a space-separated string (OAuth's `scope`).
    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text)?: text.split(separator: " ").map(String.init)
        case .array(let items)?: items.compactMap(\.stringValue)
        default: []
        }
    }

    static func firstString(_ value: JSONValue?) -> String? {
        value?.stringValue ?? value?.arrayValue?.first?.stringValue
    }
}
