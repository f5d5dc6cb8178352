import Foundation
import GatehouseCore

/// Who a verified token (a JWT, or an introspected opaque token) names and what it may do.
struct TokenIdentity: Sendable {
    var subject: String
    var email: String?
    var teamID: String?
    var organizationID: String?
    var role: Principal.Role = .internalUser
    /// The models the token's scopes grant, when the source maps scopes to models.
    var models: [String] = []
    /// The routes the token's scopes open, when the source maps scopes to routes.
    var routes: [String] = []
    var limits = Limits()
    /// The virtual key the token names, when the mapping has a key claim.
    var keyID: String?
    var expiresAt: Date?
}

extension ClaimMapping {
    static let roleStrength: [Principal.Role] = [.internalUserViewer, .internalUser, .proxyAdminViewer, .proxyAdmin]

    /// The identity a verified token's claims describe.
    /// - Parameter fallbackUser: the claim naming the user when the configured one is absent
    ///   (an introspected client-credentials token has `client_id` but no `sub`).
    func identity(from payload: JSONValue, expiresAt: Date?, fallbackUser: String? = nil) throws(TokenError) -> TokenIdentity {
        let named = Self.claim(claims.user, in: payload)?.stringValue ?? fallbackUser.flatMap { Self.claim($0, in: payload)?.stringValue }
        guard let subject = named, !subject.isEmpty else { throw .rejected("the `\(claims.user)` claim is required") }
        var identity = TokenIdentity(subject: subject, expiresAt: expiresAt)
        identity.email = Self.claim(claims.email, in: payload)?.stringValue
        identity.teamID = claims.team.flatMap { Self.firstString(Self.claim($0, in: payload)) }
        identity.organizationID = claims.organization.flatMap { Self.firstString(Self.claim($0, in: payload)) }
        if let rolesClaim = claims.roles {
            let granted = Self.strings(Self.claim(rolesClaim, in: payload)).compactMap { roleMappings[$0] }
            identity.role = Self.roleStrength.last(where: granted.contains) ?? .internalUser
        }
        identity.keyID = claims.key.flatMap { Self.claim($0, in: payload)?.stringValue }
        for (name, path) in limitClaims {
            guard let value = Self.claim(path, in: payload) else { continue }
            guard let number = value.doubleValue, number >= 0, number.isFinite else { throw .rejected("the `\(path)` claim must be a number") }
            // A signed claim of 1e300 is the issuer's word, but must not trap the conversion.
            let limit = min(Int(saturating: number), InputBounds.limit)
            switch name {
            case "rpm_limit": identity.limits.rpmLimit = limit
            case "tpm_limit": identity.limits.tpmLimit = limit
            case "rpd_limit": identity.limits.rpdLimit = limit
            case "tpd_limit": identity.limits.tpdLimit = limit
            case "max_parallel_requests": identity.limits.maxParallelRequests = limit
            default: identity.limits.maxBudget = min(number, InputBounds.dollars)
            }
        }
        let scopes = Self.strings(Self.claim(claims.scopes, in: payload))
        if !scopeModels.isEmpty {
            identity.models = scopes.flatMap { scopeModels[$0] ?? [] }
            guard !identity.models.isEmpty else { throw .noModels }
        }
        if !scopeRoutes.isEmpty {
            identity.routes = scopes.flatMap { scopeRoutes[$0] ?? [] }
            guard !identity.routes.isEmpty else { throw .noRoutes }
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
