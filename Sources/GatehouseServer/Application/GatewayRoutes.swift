import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseProviders
import GatehouseStore
import Hummingbird

/// Every route, put together once: the gateway's (models, OAuth) and the management API's,
/// which go on the main listener or, when one is configured, on the management listener.
struct GatewayRoutes {
    let settings: ServerSettings
    let authenticators: AuthenticatorChain
    let certificates: ClientCertificateSource?
    let forwarder: Forwarder
    let modelRouter: ModelRouter
    let metering: Metering
    let management: Management
    let ownTokens: OwnTokenAuthenticator
    let signingKeys: SigningKeyRing
    let audit: Audit

    var authenticationAudit: AuthenticationAudit { AuthenticationAudit(audit: audit, cache: management.cache) }

    /// A router with the error envelope and health checks, which every listener answers.
    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.middlewares.add(ErrorEnvelopeMiddleware())
        let allowed = AddressAllowlist(settings.allowedIPs, scope: "gateway", audit: audit)
        if !settings.trustedProxies.isEmpty || allowed != nil {
            router.middlewares.add(ClientAddressMiddleware(trustedProxies: settings.trustedProxies, allowed: allowed))
        }
        HealthRoutes().register(on: router)
        return router
    }

    /// Model routes and Gatehouse's own authorization server.
    func addGateway(to router: Router<GatewayRequestContext>) {
        OAuthServerRoutes(
            tokens: ownTokens, ring: signingKeys, store: management.store, cache: management.cache, feed: management.feed,
            settings: settings.oauth, certificates: certificates, audit: audit
        ).register(on: router)
        // Model routes and management routes differ only in what `?key=` means.
        let modelRoutes = router.group()
            .add(
                middleware: AuthenticationMiddleware(
                    authenticators: authenticators, queryPolicy: settings.allowKeyInQuery ? .accept : .refuse, certificates: certificates,
                    audit: authenticationAudit))
        ProxyRoutes(
            forwarder: forwarder, maxBodyBytes: settings.maxRequestBodyBytes,
            bodyTimeout: .seconds(fractional: settings.clientBodyTimeout), metering: metering
        ).register(on: modelRoutes)
        ModelRoutes(router: modelRouter, created: Int(Date().timeIntervalSince1970)).register(on: modelRoutes)
    }

    /// Keys, users, teams, organizations, OAuth clients, spend, certificate bindings and the audit
    /// trail; every change and every refusal there is audited.
    func addManagement(to router: Router<GatewayRequestContext>) {
        var routes = router.group()
        if let allowed = AddressAllowlist(settings.managementAllowedIPs, scope: "management", audit: audit) {
            routes = routes.add(middleware: AddressAllowlistMiddleware(allowed: allowed))
        }
        routes =
            routes
            .add(
                middleware: AuthenticationMiddleware(
                    authenticators: authenticators, queryPolicy: .ignore, certificates: certificates, audit: authenticationAudit)
            )
            .add(middleware: ManagementAuditMiddleware(audit: audit))
        KeyRoutes(management: management).register(on: routes)
        UserRoutes(management: management).register(on: routes)
        TeamRoutes(management: management).register(on: routes)
        OrganizationRoutes(management: management).register(on: routes)
        OAuthClientRoutes(management: management, ring: signingKeys).register(on: routes)
        SpendRoutes(management: management).register(on: routes)
        CertificateRoutes(management: management, identity: settings.clientCertificateIdentity).register(on: routes)
        AuditRoutes(management: management, audit: audit).register(on: routes)
    }
}
