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
    /// Parsed once: building an `HTTPField.Name` validates the string, which is work per request otherwise.
    static let headerNames = Dictionary(
        uniqueKeysWithValues: PresentedCredential.keyHeaders.compactMap { name in
            HTTPField.Name(name).map { (name, $0) }
        })

    /// - Parameter queryPolicy: what a key in the URL means on the routes behind this middleware.
    public init(authenticators: AuthenticatorChain, queryPolicy: PresentedCredential.QueryPolicy) {
        self.authenticators = authenticators
        self.queryPolicy = queryPolicy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parameters = request.uri.query == nil ? nil : request.uri.queryParameters
        let credential = try PresentedCredential.extract(
            header: { name in Self.headerNames[name].flatMap { request.headers[$0] } },
            parameter: parameters.map { parameters in { name in parameters.get(name) } },
            policy: queryPolicy
        )
        var context = context
        let principal = try await authenticators.authenticate(credential)
        // Step 4's route class check: a key limited to some routes may not call the others.
        guard RouteAccess.allows(principal.allowedRoutes, path: request.uri.path) else {
            throw GatewayError.forbidden("This credential may not call \(request.uri.path).")
        }
        context.principal = principal
        return try await next(request, context)
    }
}
