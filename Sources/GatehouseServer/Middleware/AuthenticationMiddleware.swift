import GatehouseAuth
import GatehouseCore
import HTTPTypes
public import Hummingbird

/// Step 2 of the pipeline: gathers the request's credentials (headers, client certificate,
/// session cookie), lets GatehouseAuth's `Authentication` decide who it is and whether it may
/// call this route from here, and records the outcome — or answers 401/403 before the body is
/// read and before anything goes upstream. Routes behind it take an `AuthenticatedContext`.
public struct AuthenticationMiddleware: DirectMiddleware {
    public typealias Context = GatewayRequestContext
    let authentication: Authentication
    let queryPolicy: PresentedCredential.QueryPolicy
    /// Where client certificates come from (nil: nowhere).
    let certificates: ClientCertificateSource?
    /// Where authentications are counted and failures recorded (nil: nowhere).
    let recorder: AuthenticationRecorder?
    /// The session cookie on this listener (nil: sessions not accepted).
    let cookie: SessionCookie?

    /// - Parameter queryPolicy: what a key in the URL means on the routes behind this middleware.
    init(
        authentication: Authentication, queryPolicy: PresentedCredential.QueryPolicy, certificates: ClientCertificateSource? = nil,
        recorder: AuthenticationRecorder? = nil, cookie: SessionCookie? = nil
    ) {
        self.authentication = authentication
        self.queryPolicy = queryPolicy
        self.certificates = certificates
        self.recorder = recorder
        self.cookie = cookie
    }

    /// The request's key headers, gathered in one pass over its fields (not a scan of them for
    /// each of the five names).
    static func keyHeaderValues(_ fields: HTTPFields) -> KeyHeaderValues {
        var values = KeyHeaderValues()
        for index in fields.indices {
            let name = fields[index].name.canonicalName
            if let position = KeyHeaderValues.position(of: name) { values.add(fields[index].value, at: position) }
        }
        return values
    }

    public func run(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // The route, never the raw path: `/key/{key}/regenerate` may name a key by itself.
        let path = context.endpointPath ?? request.uri.path
        var credentials = Credentials(certificate: certificates?.certificate(request, channel: context.channel))
        let principal: Principal
        try recorder?.refuseIfBlocked(address: context.clientAddress)
        do {
            let parameters = request.uri.query == nil ? nil : request.uri.queryParameters
            credentials.secret = try PresentedCredential.extract(
                Self.keyHeaderValues(request.headers), parameter: parameters.map { parameters in { name in parameters.get(name) } },
                policy: queryPolicy)
            if credentials.mayUseSession, let cookie { credentials.session = cookie.token(in: request.headers) }
            principal = try await authentication.authenticate(credentials, path: path)
        } catch let error as GatewayError {
            recorder?.failed(
                error, credentials: credentials, method: authentication.method(of: credentials), route: context.endpointPath,
                address: context.clientAddress)
            throw error
        }
        // A session acts for a browser: another site may not make it change anything.
        if let session = credentials.session, let reason = CrossSiteCheck.refusal(request.head, session: session) {
            recorder?.audit.record(
                AuditEvent(
                    action: .authCrossSite, actor: principal.id, outcome: .denied, address: context.clientAddress,
                    details: ["reason": .string(reason)]))
            throw GatewayError.forbidden(reason)
        }
        if let refusal = authentication.refusal(of: principal, path: path, address: context.clientAddress) {
            switch refusal {
            case .network(let level):
                recorder?.audit.record(
                    AuditEvent(
                        action: .networkDenied, actor: principal.id, object: level.id, outcome: .denied, address: context.clientAddress,
                        details: ["level": .string(level.level.rawValue)]))
            case .adminSession:
                recorder?.audit.record(
                    AuditEvent(
                        action: .networkDenied, actor: principal.id, outcome: .denied, address: context.clientAddress,
                        details: ["scope": "admin_session"]))
            case .route: break
            }
            throw refusal.error(path: request.uri.path)
        }
        recorder?.succeeded(principal)
        context.accessNote?.update { note in
            note.principal = principal.id
            note.authMethod = principal.method.rawValue
        }
        context.principal = principal
        return try await next(request, context)
    }
}
