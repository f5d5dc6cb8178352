import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Authentications counted by method and outcome (metrics), and failures recorded (audit): the
/// method, the reason the client was given, the address, and which credential when Gatehouse
/// knows it (a blocked or expired key's id) or its display form (`sk-…abcd`) — never the
/// credential itself.
struct AuthenticationRecorder: Sendable {
    let audit: Audit
    let metrics: GatewayMetrics
    let cache: IdentityCache

    func succeeded(_ principal: Principal) {
        metrics.authentication(method: principal.method.rawValue, outcome: "success", reason: "none")
    }

    func failed(_ error: GatewayError, credential: PresentedCredential?, certificate: ClientCertificate?, path: String, address: String?) {
        let method = Self.method(credential, certificate: certificate)
        metrics.authentication(method: method, outcome: "failure", reason: GatewayMetrics.reason(error))
        var details: JSONValue = ["method": .string(method), "reason": .string(error.message)]
        details["path"] = .string(String(path.prefix(200)))
        var object: String?
        if let credential {
            if let key = cache.resolve(credential.digest) {
                object = "key:" + key.grant.id
            } else if APIKeyFormat.isGeneratedShape(credential.secret) {
                details["credential"] = .string(APIKeyFormat.display(credential.secret))
            }
        } else if let certificate {
            object = "certificate:" + certificate.fingerprint
        }
        audit.record(AuditEvent(action: "auth.failure", actor: "anonymous", object: object, outcome: .failure, address: address, details: details))
    }

    /// What kind of credential was tried, from its shape (the secret itself is never recorded).
    static func method(_ credential: PresentedCredential?, certificate: ClientCertificate?) -> String {
        guard let secret = credential?.secret, secret != AuthenticationMiddleware.certificatePlaceholder else {
            return certificate == nil ? "none" : "client_certificate"
        }
        if secret.hasPrefix("sk-") { return "api_key" }
        return secret.split(separator: ".", omittingEmptySubsequences: false).count == 3 ? "jwt" : "opaque_token"
    }
}
