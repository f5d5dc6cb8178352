public import GatehouseCore

/// The one authentication decision: which of a request's credentials proves who it is on a
/// route, what `certificate_routes` insist on, and then whether the principal may call the route
/// from the client's address. The server extracts the credentials and records the outcome;
/// everything in between is here, testable without a listener.
public struct Authentication: Sendable {
    let secrets: AuthenticatorChain
    /// Client certificates as credentials (nil: no listener or proxy supplies any).
    let certificates: CertificateAuthenticator?
    let certificateRoutes: [IdentitySettings.CertificateRoute]
    /// Session cookies as credentials (nil: not accepted).
    let sessions: SessionAuthenticator?
    /// The `iss` of Gatehouse's own tokens: a failed one counts as `oauth`, like a good one.
    let ownIssuer: String?
    /// Where a proxy admin's or viewer's session may be used from (`admin_session_allowed_ips`;
    /// empty: anywhere the route allows).
    public var adminSessionNetworks: [IPNetwork] = []

    public init(
        secrets: AuthenticatorChain, certificates: CertificateAuthenticator? = nil, certificateRoutes: [IdentitySettings.CertificateRoute] = [],
        sessions: SessionAuthenticator? = nil, ownIssuer: String? = nil
    ) {
        self.secrets = secrets
        self.certificates = certificates
        self.certificateRoutes = certificateRoutes
        self.sessions = sessions
        self.ownIssuer = ownIssuer
    }

    /// What the first `certificate_routes` entry matching `path` asks for.
    public func certificatePolicy(for path: String) -> IdentitySettings.CertificatePolicy {
        certificateRoutes.first { RouteAccess.allows([$0.route], path: path) }?.policy ?? .any
    }

    /// By the route's certificate policy: a verified client certificate authenticates a request
    /// that brings no other credential (or the placeholder an SDK needs); a request with a key is
    /// the key's; one with neither may bring a session cookie. Routes may insist on a
    /// certificate, or on a certificate and a key.
    /// - Parameter path: the route (its pattern when matched), which `certificate_routes` name.
    /// - Throws: `GatewayError` 401 (or 403 for a certificate bound to nothing).
    public func authenticate(_ credentials: Credentials, path: String) async throws -> Principal {
        let certificate = certificates.flatMap { authenticator in credentials.certificate.map { (authenticator, $0) } }
        switch certificatePolicy(for: path) {
        case .certificate:
            guard let (authenticator, certificate) = certificate else { throw Self.needsCertificate }
            return try authenticator.authenticate(certificate)
        case .certificateAndKey:
            guard let (authenticator, certificate) = certificate else { throw Self.needsCertificate }
            guard credentials.hasKey else { throw GatewayError.unauthorized("This route needs a key as well as a client certificate.") }
            let principal = try await secrets.authenticate(credentials.secret)
            try authenticator.check(certificate, agreesWith: principal)
            return principal
        case .any:
            if let (authenticator, certificate) = certificate, !credentials.hasKey { return try authenticator.authenticate(certificate) }
            if credentials.mayUseSession, let session = credentials.session, let sessions { return try await sessions.authenticate(session) }
            return try await secrets.authenticate(credentials.secret)
        }
    }

    static let needsCertificate = GatewayError.unauthorized("This route needs a client certificate.")
    public static let adminSessionRefusal = GatewayError.forbidden(
        "A proxy admin's session may not be used from this address (admin_session_allowed_ips).")

    /// Whether a session of a proxy admin or viewer may be used from `address`: always, unless
    /// `admin_session_allowed_ips` names networks and none holds it. Other principals pass.
    public func mayUseAdminSession(_ principal: Principal, from address: String?) -> Bool {
        guard adminSessionNetworksApply(to: principal) else { return true }
        return address.map { address in adminSessionNetworks.contains { $0.contains(address) } } ?? false
    }

    /// Whether `admin_session_networks` bounds where this principal may come from.
    private func adminSessionNetworksApply(to principal: Principal) -> Bool {
        !adminSessionNetworks.isEmpty && principal.method == .session && [.proxyAdmin, .proxyAdminViewer].contains(principal.role)
    }

    /// What kind of credential a failed authentication tried, from its shape (the secret itself
    /// is never recorded): the label its successes are counted under too.
    public func method(of credentials: Credentials) -> AuthMethod {
        if credentials.mayUseSession, credentials.session != nil, sessions != nil { return .session }
        let secret = credentials.hasKey ? credentials.secret?.secret : nil
        return AuthMethod.ofFailure(secret: secret, certificate: credentials.certificate != nil, ownIssuer: ownIssuer)
    }

    /// Why an authenticated principal may not call `path` from `address`.
    public enum Refusal: Error, Equatable, Sendable {
        /// Its `allowed_routes` do not open the route.
        case route
        /// The `allowed_ips` of this level (key, user, team, organization, client) do not hold
        /// the address.
        case network(LimitSubject)
        /// A proxy admin's or viewer's session from outside `admin_session_allowed_ips`.
        case adminSession

        public func error(path: String) -> GatewayError {
            switch self {
            case .route: GatewayError.forbidden("This credential may not call \(path).")
            case .network(let subject): GatewayError.forbidden("This \(subject.level) may not be used from this address.")
            case .adminSession: Authentication.adminSessionRefusal
            }
        }
    }

    /// The route class check, then each level's allowed networks.
    /// - Returns: nil when the principal may go on.
    /// - Parameter address: read only when some network bound applies (formatting it is work).
    public func refusal(of principal: Principal, path: String, address readAddress: @autoclosure () -> String?) -> Refusal? {
        guard RouteAccess.allows(principal.allowedRoutes, path: path) else { return .route }
        // No address work at all when no network bounds the principal (the common case).
        let restricted = principal.limitSubjects.contains { !$0.limits.allowedIPs.isEmpty }
        guard restricted || adminSessionNetworksApply(to: principal) else { return nil }
        let address = readAddress()
        if !mayUseAdminSession(principal, from: address) { return .adminSession }
        guard restricted else { return nil }
        let refused = principal.limitSubjects.first { subject in
            !subject.limits.allowedIPs.isEmpty && !(address.map { address in subject.limits.allowedIPs.contains { $0.contains(address) } } ?? false)
        }
        return refused.map(Refusal.network)
    }
}
