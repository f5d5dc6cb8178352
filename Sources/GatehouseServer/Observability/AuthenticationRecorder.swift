import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Authentications counted by method and outcome (metrics), and failures recorded (audit): the
/// method, the reason the client was given, the address, and which credential when Gatehouse
/// knows it (a blocked or expired key's id) or its display form (`sk-…abcd`) — never the
/// credential itself.
final class AuthenticationRecorder: Sendable {
    let audit: Audit
    let metrics: GatewayMetrics
    let cache: IdentityCache
    let lockouts: Lockouts
    /// Where alerts go when failures cross the threshold (`alert_webhook_url`).
    let alerts: AlertWebhook?

    init(audit: Audit, metrics: GatewayMetrics, cache: IdentityCache, lockouts: Lockouts, alerts: AlertWebhook?) {
        self.audit = audit
        self.metrics = metrics
        self.cache = cache
        self.lockouts = lockouts
        self.alerts = alerts
    }

    /// Refuses (429) a client whose address is blocked, before its credential is even looked at.
    func refuseIfBlocked(address: @autoclosure () -> String?) throws {
        let now = Date()
        guard lockouts.addresses.mayBlock(at: now), let address = address(),
            let wait = lockouts.addresses.retryAfter(Lockouts.address(address), at: now)
        else { return }
        throw Lockouts.refusal(retryAfter: wait, "Too many failed authentications from this address; retry later.")
    }

    /// Counts a failure against a known principal (`key:…`, `client:…`) from any address: never
    /// a block (that would let anyone lock it out), but an alert when they add up.
    func countFailure(against principal: ObjectRef) {
        let subject = principal.description
        guard lockouts.principals.recordFailure(subject, at: Date()) else { return }
        alerts?.send(.authenticationFailures(subject: subject, failures: lockouts.principals.threshold, windowSeconds: lockouts.principals.window))
    }

    /// Counts a failure against the address; the block it may start is audited, once.
    func countFailure(from address: String?, method: AuthMethod) {
        guard let address else { return }
        let subject = Lockouts.address(address)
        guard lockouts.addresses.recordFailure(subject, at: Date()), let wait = lockouts.addresses.retryAfter(subject, at: Date()) else { return }
        alerts?.send(.authenticationFailures(subject: subject, failures: lockouts.addresses.threshold, windowSeconds: lockouts.addresses.window))
        blockBegan(object: subject, method: method, seconds: wait, address: address)
    }

    /// A block began: counted, and audited once (not for every request it refuses).
    private func blockBegan(object: String, method: AuthMethod, seconds: TimeInterval, address: String?) {
        metrics.lockout(method: method)
        audit.record(
            AuditEvent(
                action: .authLockout, actor: "system", object: object, outcome: .success, address: address,
                details: ["method": .string(method.rawValue), "seconds": JSONValue(Int(saturating: seconds.rounded(.up)))]))
    }

    /// A wrong secret for a named credential (an OAuth client's secret, a user's password):
    /// counted against that credential at this address (which it may block, audited once),
    /// against the address, and against the principal from anywhere (alerts).
    /// - Parameters:
    ///   - object: the principal (`client:…`, `user:…`) when there is one to name.
    ///   - pair: the lockout subject of the credential at this address.
    func failedSecret(method: AuthMethod, object: ObjectRef?, pair: String, reason: String, address: String?) {
        let now = Date()
        metrics.authenticationFailed(method, reason: "invalid")
        audit.record(
            AuditEvent(
                action: .authFailure, actor: "anonymous", object: object?.description, outcome: .failure, address: address,
                details: ["method": .string(method.rawValue), "reason": .string(reason)]))
        let blocked = lockouts.credentials.recordFailure(pair, at: now)
        countFailure(from: address, method: method)
        if let object { countFailure(against: object) }
        if blocked, let wait = lockouts.credentials.retryAfter(pair, at: now) {
            blockBegan(object: object?.description ?? "unknown", method: method, seconds: wait, address: address)
        }
    }

    /// How long a credential at this address, or the address itself, is still blocked; nil: not.
    func blocked(pair: String, address: String?) -> TimeInterval? {
        let now = Date()
        return lockouts.credentials.retryAfter(pair, at: now) ?? address.flatMap { lockouts.addresses.retryAfter(Lockouts.address($0), at: now) }
    }

    /// Takes one attempt of a secret for a credential at this address before the secret is
    /// checked (counted first, so that parallel guesses cannot outrun the limit while a slow
    /// check such as bcrypt runs). - Returns: nil to go ahead, else how long to wait: the block's
    /// remainder, or a second while as many attempts as the limit allows are under way.
    func takeAttempt(pair: String, address: String?) -> TimeInterval? {
        if let wait = blocked(pair: pair, address: address) { return wait }
        return lockouts.credentials.beginAttempt(pair, at: Date()) ? nil : 1
    }

    func succeeded(_ principal: Principal) {
        metrics.authenticated(AuthMethod(principal.method))
    }

    /// - Parameter method: what kind of credential was tried (`Authentication.method(of:)`).
    func failed(_ error: GatewayError, credentials: Credentials, method: AuthMethod, route: String?, address: String?) {
        metrics.authenticationFailed(method, reason: GatewayMetrics.reason(error))
        var details: JSONValue = ["method": .string(method.rawValue), "reason": .string(error.message)]
        details["route"] = .string(route ?? "unmatched")
        var object: ObjectRef?
        if let credential = credentials.secret {
            if let key = cache.resolve(credential.digest) {
                object = .key(key.grant.id)
            } else if APIKeyFormat.isGeneratedShape(credential.secret) {
                details["credential"] = .string(APIKeyFormat.display(credential.secret))
            }
        } else if let certificate = credentials.certificate {
            object = .certificate(certificate.fingerprint)
        }
        audit.record(
            AuditEvent(action: .authFailure, actor: "anonymous", object: object?.description, outcome: .failure, address: address, details: details))
        // A session's 256-bit secret cannot be guessed, and a page still polling with an ended
        // session must not lock its own address out.
        guard method != .session else { return }
        countFailure(from: address, method: method)
        if let object { countFailure(against: object) }
    }
}
