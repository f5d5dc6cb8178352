import GatehouseAuth
import GatehouseCore
import HTTPTypes
public import Hummingbird

/// Step 2 of the pipeline: turns the request's credential into a `Principal`, or answers 401
/// before the body is read and before anything goes upstream.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext
    let authenticators: AuthenticatorChain
    let queryPolicy: PresentedCredential.QueryPolicy
    /// Where client certificates come from and how they become principals (nil: nowhere).
    let certificates: ClientCertificateSource?
    /// Where authentications are counted and failures recorded (nil: nowhere).
    let recorder: AuthenticationRecorder?
    /// Session cookies, read when a request brings no other credential (nil: not accepted).
    let sessions: BrowserSessions?
    /// The API key a certificate client sends when its SDK insists on one.
    static let certificatePlaceholder = "mtls"
    /// Parsed once: building an `HTTPField.Name` validates the string, which is work per request otherwise.
    static let headerNames = Dictionary(
        uniqueKeysWithValues: PresentedCredential.keyHeaders.compactMap { name in
            HTTPField.Name(name).map { (name, $0) }
        })

    /// - Parameter queryPolicy: what a key in the URL means on the routes behind this middleware.
    init(
        authenticators: AuthenticatorChain, queryPolicy: PresentedCredential.QueryPolicy,
        certificates: ClientCertificateSource? = nil, recorder: AuthenticationRecorder? = nil, sessions: BrowserSessions? = nil
    ) {
        self.sessions = sessions
        self.authenticators = authenticators
        self.queryPolicy = queryPolicy
        self.certificates = certificates
        self.recorder = recorder
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let certificate = certificates?.certificate(request, channel: context.channel)
        var credential: PresentedCredential?
        var session: SessionToken?
        let principal: Principal
        try recorder?.refuseIfBlocked(address: context.clientAddress)
        do {
            let parameters = request.uri.query == nil ? nil : request.uri.queryParameters
            credential = try PresentedCredential.extract(
                header: { name in Self.headerNames[name].flatMap { request.headers[$0] } },
                parameter: parameters.map { parameters in { name in parameters.get(name) } },
                policy: queryPolicy
            )
            credential?.clientCertificate = certificate
            // Only when nothing else proves who it is: a cookie never outranks a key or certificate.
            if credential == nil, certificate == nil, let sessions { session = sessions.cookie.token(in: request.headers) }
            principal = try await authenticate(credential, certificate: certificate, session: session, path: context.endpointPath ?? request.uri.path)
        } catch let error as GatewayError {
            // The route, never the raw path: `/key/{key}/regenerate` may name a key by itself.
            recorder?.failed(
                error, credential: credential, certificate: certificate, session: session != nil, route: context.endpointPath,
                address: context.clientAddress)
            throw error
        }
        // A session acts for a browser: another site may not make it change anything.
        if let session, let reason = CrossSiteCheck.refusal(request.head, session: session) {
            recorder?.audit.record(
                AuditEvent(
                    action: .authCrossSite, actor: principal.id, outcome: .denied, address: context.clientAddress,
                    details: ["reason": .string(reason)]))
            throw GatewayError.forbidden(reason)
        }
        // Step 4's route class check: a key limited to some routes may not call the others.
        guard RouteAccess.allows(principal.allowedRoutes, path: context.endpointPath ?? request.uri.path) else {
            throw GatewayError.forbidden("This credential may not call \(request.uri.path).")
        }
        if let refused = refusedLevel(principal, context) {
            recorder?.audit.record(
                AuditEvent(
                    action: .networkDenied, actor: principal.id, object: refused.id, outcome: .denied, address: context.clientAddress,
                    details: ["level": .string(refused.level.rawValue)]))
            throw GatewayError.forbidden("This \(refused.level) may not be used from this address.")
        }
        recorder?.succeeded(principal)
        context.accessNote?.update { note in
            note.principal = principal.id
            note.authMethod = principal.method.rawValue
        }
        context.principal = principal
        return try await next(request, context)
    }

    /// The first level (key, user, team, organization, OAuth client) whose allowed networks do not
    /// include the client's address; nil when none restricts it (no address work then).
    func refusedLevel(_ principal: Principal, _ context: Context) -> LimitSubject? {
        guard principal.limitSubjects.contains(where: { !$0.limits.allowedIPs.isEmpty }) else { return nil }
        let address = context.clientAddress
        return principal.limitSubjects.first { subject in
            !subject.limits.allowedIPs.isEmpty && !(address.map { address in subject.limits.allowedIPs.contains { $0.contains(address) } } ?? false)
        }
    }

    /// By the route's certificate policy: a verified client certificate authenticates a request
    /// that brings no other credential (or the placeholder an SDK needs); a request with a key is
    /// the key's; one with neither may bring a session cookie. Routes may insist on a
    /// certificate, or on a certificate and a key.
    func authenticate(
        _ credential: PresentedCredential?, certificate: ClientCertificate?, session: SessionToken? = nil, path: String
    ) async throws -> Principal {
        let policy = certificates?.policy(for: path) ?? .any
        let hasKey = credential.map { $0.secret != Self.certificatePlaceholder } ?? false
        switch policy {
        case .certificate:
            guard let certificates, let certificate else { throw GatewayError.unauthorized("This route needs a client certificate.") }
            return try certificates.authenticator.authenticate(certificate)
        case .certificateAndKey:
            guard let certificates, let certificate else { throw GatewayError.unauthorized("This route needs a client certificate.") }
            guard hasKey else { throw GatewayError.unauthorized("This route needs a key as well as a client certificate.") }
            let principal = try await authenticators.authenticate(credential)
            try certificates.authenticator.check(certificate, agreesWith: principal)
            return principal
        case .any:
            if let certificates, let certificate, !hasKey { return try certificates.authenticator.authenticate(certificate) }
            if let session, let sessions { return try await sessions.authenticator.authenticate(session) }
            return try await authenticators.authenticate(credential)
        }
    }
}
