import Foundation

/// The actions Gatehouse itself records, with one spelling each. Management changes are named
/// after their route instead (`key.generate`, `team.member_add`), by the management audit.
public enum AuditAction: String, Sendable, CaseIterable {
    case authFailure = "auth.failure"
    case authLockout = "auth.lockout"
    case authLogin = "auth.login"
    case authLogout = "auth.logout"
    case authPasswordChange = "auth.password_change"
    case authCrossSite = "auth.cross_site"
    case tokenIssue = "token.issue"
    case tokenRevoke = "token.revoke"
    /// A used refresh token presented again: its whole family is revoked.
    case tokenReuse = "token.reuse"
    case deviceApprove = "device.approve"
    case deviceDeny = "device.deny"
    /// A person let a client act as them (authorization code grant), or refused.
    case consentApprove = "consent.approve"
    case consentDeny = "consent.deny"
    case configReload = "config.reload"
    case configTLSReload = "config.tls_reload"
    case networkDenied = "network.denied"
    case auditSuppressed = "audit.suppressed"
}

extension AuditEvent {
    /// An event of one of Gatehouse's own actions.
    public init(
        time: Date = Date(), action: AuditAction, actor: String, object: String? = nil, outcome: Outcome, address: String? = nil,
        details: JSONValue = .object([:])
    ) {
        self.init(time: time, action: action.rawValue, actor: actor, object: object, outcome: outcome, address: address, details: details)
    }

    /// An event of one of Gatehouse's own actions, about a directory object.
    public init(
        time: Date = Date(), action: AuditAction, actor: String, about object: ObjectRef, outcome: Outcome, address: String? = nil,
        details: JSONValue = .object([:])
    ) {
        self.init(time: time, action: action.rawValue, actor: actor, object: object.description, outcome: outcome, address: address, details: details)
    }
}
