import Crypto
import Foundation
public import GatehouseCore

/// The person an OpenID Provider's verified ID token names, as single sign-on maps them.
public struct SSOPerson: Sendable, Equatable {
    /// The user claim's value (`sub` unless configured otherwise): the Gatehouse user id.
    public var userID: String
    public var email: String?
    /// Whether the provider says it checked the email (`email_verified`).
    public var emailVerified: Bool
    /// The role the provider's groups map to, when the provider has a roles claim configured
    /// (roles then follow the provider at every sign-in); nil: the directory's role stands.
    public var role: Principal.Role?
    public var teamID: String?
    public var organizationID: String?

    public init(
        userID: String, email: String? = nil, emailVerified: Bool = false, role: Principal.Role? = nil, teamID: String? = nil,
        organizationID: String? = nil
    ) {
        self.userID = userID
        self.email = email
        self.emailVerified = emailVerified
        self.role = role
        self.teamID = teamID
        self.organizationID = organizationID
    }

    /// The email, when it may be trusted: verified by the provider, or the provider is configured
    /// not to require it.
    public func trustedEmail(requireVerified: Bool) -> String? {
        guard let email, emailVerified || !requireVerified else { return nil }
        return email
    }
}

/// The checks OpenID Connect Core §3.1.3.7 adds to a JWT's (RFC 7519) for an ID token, and the
/// provider's email rule. Pure: the signature and the JWT claims have been checked already.
enum IDTokenChecks {
    /// - Parameters:
    ///   - nonce: the nonce this browser's sign-in sent.
    ///   - accessToken: the access token issued with the ID token, for `at_hash`.
    static func check(
        _ payload: JSONValue, algorithm: String, nonce: String, accessToken: String?, settings: SSOProviderSettings
    ) throws(TokenError) {
        guard payload["iss"]?.stringValue == settings.issuer else { throw .rejected("the ID token comes from another issuer") }
        guard payload["iat"]?.doubleValue != nil else { throw .rejected("the ID token has no `iat`") }
        guard let claimed = payload["nonce"]?.stringValue else { throw .rejected("the ID token has no `nonce`") }
        guard ConstantTime.equal(claimed, nonce) else { throw .rejected("the ID token's `nonce` is not this sign-in's") }
        let audiences: [String] =
            switch payload["aud"] {
            case .array(let many)?: many.compactMap(\.stringValue)
            default: [payload["aud"]?.stringValue].compactMap { $0 }
            }
        if let azp = payload["azp"] {
            guard azp.stringValue == settings.clientID else { throw .rejected("the ID token was issued to another client (`azp`)") }
        } else if audiences.count > 1 {
            throw .rejected("an ID token for several audiences must name its client (`azp`)")
        }
        if let atHash = payload["at_hash"] {
            guard let accessToken, let expected = accessTokenHash(accessToken, algorithm: algorithm),
                atHash.stringValue.map({ ConstantTime.equal($0, expected) }) == true
            else { throw .rejected("the ID token's `at_hash` does not match the access token") }
        }
    }

    /// The person, after the provider's email rule: with `allowed_email_domains`, an email is
    /// required at one of them, and verified unless `require_verified_email` is off.
    static func person(from identity: TokenIdentity, payload: JSONValue, settings: SSOProviderSettings) throws(TokenError) -> SSOPerson {
        let verified: Bool =
            switch payload["email_verified"] {
            case .bool(let value)?: value
            // Some providers (Amazon Cognito among them) send it as a string.
            case .string(let text)?: text.lowercased() == "true"
            default: false
            }
        var person = SSOPerson(
            userID: identity.subject, email: identity.email, emailVerified: verified, teamID: identity.teamID,
            organizationID: identity.organizationID)
        if settings.mapping.claims.roles != nil { person.role = identity.role }
        if !settings.allowedEmailDomains.isEmpty {
            guard let email = identity.email else { throw .rejected("the provider gave no email, and this sign-in needs one") }
            guard person.trustedEmail(requireVerified: settings.requireVerifiedEmail) != nil else {
                throw .rejected("the provider has not verified this email")
            }
            let domain = email.split(separator: "@").last.map { $0.lowercased() } ?? ""
            guard email.contains("@"), settings.allowedEmailDomains.contains(domain) else {
                throw .rejected("people with an email at \(domain.isEmpty ? "that address" : domain) may not sign in here")
            }
        }
        return person
    }

    /// `at_hash` (OpenID Connect Core §3.1.3.6): the left half of the access token's hash with
    /// the ID token algorithm's hash function, base64url. nil for an unknown algorithm.
    static func accessTokenHash(_ token: String, algorithm: String) -> String? {
        let bytes = Array(token.utf8)
        let digest: [UInt8]
        switch algorithm {
        case "RS256", "PS256", "ES256", "HS256": digest = Array(SHA256.hash(data: bytes))
        case "RS384", "PS384", "ES384", "HS384": digest = Array(SHA384.hash(data: bytes))
        case "RS512", "PS512", "HS512", "EdDSA": digest = Array(SHA512.hash(data: bytes))
        default: return nil
        }
        return Base64URL.encode(digest[..<(digest.count / 2)])
    }
}
