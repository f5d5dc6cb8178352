import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import Hummingbird
import NIOCore

/// Every route, put together once: the gateway's (models, OAuth) and the management API's,
/// which go on the main listener or, when one is configured, on the management listener.
struct GatewayRoutes {
    let settings: ServerSettings
    /// Who a request is (every credential kind) and whether it may call its route from there.
    let authentication: Authentication
    let certificates: ClientCertificateSource?
    let forwarder: Forwarder
    let modelRouter: ModelRouter
    let metering: Metering
    let management: Management
    let ownTokens: OwnTokenAuthenticator
    let signingKeys: SigningKeyRing
    let audit: Audit
    let metrics: GatewayMetrics
    let accessLog: AccessLog?
    let lockouts: Lockouts
    let alerts: AlertWebhook?
    /// Session cookies (from `/login`) and the passwords they are started with.
    let sessionAuthenticator: SessionAuthenticator
    let passwords: PasswordHasher
    /// `GET /health`'s active checks, shared by every listener.
    let deploymentHealth: DeploymentHealthChecks
    /// The configuration's models and those added through `/model/new`.
    let models: ModelRegistry
    /// The OpenID Providers people sign in with, and the seal of their sign-ins' cookie.
    let singleSignOn: [OIDCRelyingParty]
    let flowSeal: SecretSeal
    /// The identity providers' key sets, whose freshness the console shows.
    let issuerKeys: [JWTIssuerKeys]

    /// Authentications counted, failures audited and counted towards lockouts.
    var recorder: AuthenticationRecorder {
        AuthenticationRecorder(audit: audit, metrics: metrics, cache: management.cache, lockouts: lockouts, alerts: alerts)
    }

    /// The routes behind it need a caller: they take an `AuthenticatedContext`.
    /// - Parameter queryPolicy: what a key in the URL means on these routes.
    func authenticated(
        _ group: RouterGroup<GatewayRequestContext>, queryPolicy: PresentedCredential.QueryPolicy, tls: Bool
    ) -> RouterGroup<AuthenticatedContext> {
        authenticated(group, by: authenticationMiddleware(queryPolicy: queryPolicy, tls: tls))
    }

    func authenticated(_ group: RouterGroup<GatewayRequestContext>, by middleware: AuthenticationMiddleware) -> RouterGroup<AuthenticatedContext> {
        group.add(middleware: middleware).group(context: AuthenticatedContext.self)
    }

    func authenticationMiddleware(queryPolicy: PresentedCredential.QueryPolicy, tls: Bool) -> AuthenticationMiddleware {
        AuthenticationMiddleware(
            authentication: authentication, queryPolicy: queryPolicy, certificates: certificates, recorder: recorder,
            cookie: sessions(tls: tls).cookie)
    }

    /// Sessions on a listener: the cookie is `Secure` over HTTPS unless configured otherwise.
    func sessions(tls: Bool) -> BrowserSessions {
        BrowserSessions(authenticator: sessionAuthenticator, cookie: SessionCookie(secure: settings.sessions.cookieSecure ?? tls))
    }

    var health: HealthRoutes { HealthRoutes(store: StoreProbe(source: management.store.source)) }

    /// A router with the error envelope and health checks, which every listener answers.
    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        for middleware in listenerMiddleware() { router.middlewares.add(middleware.routerMiddleware) }
        health.register(on: router)
        return router
    }

    /// The middleware of every request on a listener, outermost first: the router's (`router()`),
    /// and so the start of each model route's chain on the data plane (`FixedRoutes`).
    func listenerMiddleware() -> [any DirectMiddleware<GatewayRequestContext>] {
        var middleware: [any DirectMiddleware<GatewayRequestContext>] = []
        if let accessLog { middleware.append(AccessLogMiddleware(log: accessLog)) }
        if metrics.enabled { middleware.append(MetricsMiddleware(metrics: metrics)) }
        middleware.append(ErrorEnvelopeMiddleware())
        let allowed = AddressAllowlist(settings.network.allowedIPs, scope: "gateway", audit: audit)
        if !settings.network.trustedProxies.isEmpty || allowed != nil {
            middleware.append(
                ClientAddressMiddleware(trustedProxies: settings.network.trustedProxies, header: settings.network.forwardedHeader, allowed: allowed))
        }
        return middleware
    }

    /// Model routes and Gatehouse's own authorization server.
    /// - Parameter tls: whether the listener serves HTTPS (for the session cookie).
    /// - Parameter router: made by `router()`.
    /// - Returns: how the data plane answers each model route with a fixed path (see
    ///   `FixedRoutes`), by path.
    func addGateway(to router: Router<GatewayRequestContext>, tls: Bool) -> [String: ModelRouteChain] {
        OAuthServerRoutes(
            tokens: ownTokens, ring: signingKeys, store: management.store, cache: management.cache, feed: management.feed,
            settings: settings.identity.oauth, certificates: certificates, recorder: recorder
        ).register(on: router)
        var pageSignIn = SessionRoutes(sessions: sessions(tls: tls), passwords: passwords, store: management.store, recorder: recorder)
        pageSignIn.providers = singleSignOn.map { SignInProvider(name: $0.settings.name, displayName: $0.settings.displayName) }
        DevicePage(signIn: pageSignIn).register(on: router)
        AuthorizePage(signIn: pageSignIn).register(on: router)
        LoginPage(signIn: pageSignIn).register(on: router)
        if !singleSignOn.isEmpty {
            SSORoutes(
                providers: Dictionary(singleSignOn.map { ($0.settings.name, $0) }, uniquingKeysWith: { first, _ in first }),
                flows: SSOFlowCookie(seal: flowSeal, secure: settings.sessions.cookieSecure ?? tls), signIn: pageSignIn,
                accounts: SSOAccounts(store: management.store, cache: management.cache, feed: management.feed), base: ownTokens.issuer
            ).register(on: router)
        }
        // Model routes and management routes differ only in what `?key=` means.
        let authentication = authenticationMiddleware(queryPolicy: settings.identity.allowKeyInQuery ? .accept : .refuse, tls: tls)
        let modelRoutes = FixedRoutes(
            group: authenticated(router.group(), by: authentication),
            middlewares: listenerMiddleware() + [authentication])
        ProxyRoutes(
            forwarder: forwarder, maxBodyBytes: settings.listener.maxRequestBodyBytes, maxAudioBytes: settings.listener.maxAudioRequestBytes,
            bodyTimeout: .seconds(fractional: settings.listener.clientBodyTimeout), metering: metering, metrics: metrics,
            endUsers: management.cache
        ).register(on: modelRoutes)
        ModelRoutes(router: modelRouter, created: Int(Date().timeIntervalSince1970)).register(on: modelRoutes)
        ModelInfoRoutes(router: modelRouter).register(on: modelRoutes)
        return modelRoutes.chains
    }

    /// Keys, users, teams, organizations, OAuth clients, spend, certificate bindings and the audit
    /// trail (every change and every refusal there is audited), and `/metrics`: all held to
    /// `management_allowed_ips`.
    /// - Parameter tls: whether the listener serves HTTPS (for the session cookie).
    func addManagement(to router: Router<GatewayRequestContext>, tls: Bool) {
        var routes = router.group()
        if let allowed = AddressAllowlist(settings.network.managementAllowedIPs, scope: "management", audit: audit) {
            routes = routes.add(middleware: AddressAllowlistMiddleware(allowed: allowed))
        }
        let sessions = sessions(tls: tls)
        var sessionRoutes = SessionRoutes(sessions: sessions, passwords: passwords, store: management.store, recorder: recorder)
        sessionRoutes.providers = singleSignOn.map { SignInProvider(name: $0.settings.name, displayName: $0.settings.displayName) }
        sessionRoutes.registerLogin(on: routes)
        // The sign-in page is the gateway's; a management listener of its own needs one too.
        if settings.listener.management != nil { LoginPage(signIn: sessionRoutes).register(on: routes) }
        Console(
            management: management, sessions: sessions, signIn: sessionRoutes, audit: audit, publicURL: ownTokens.issuer, lockouts: lockouts,
            signingKeys: signingKeys, metrics: metrics, issuerKeys: issuerKeys,
            listenerTLS: [("main listener", settings.listener.tls), ("management listener", settings.listener.management?.tls)],
            handshakes: certificates?.handshakes, authentication: authentication
        ).register(on: routes)
        // `/metrics` tells who calls how much: without a credential only when the operator holds
        // it to addresses (`management_allowed_ips`) or opens it (`metrics_public`); else a
        // proxy admin's or viewer's credential (Prometheus' `authorization` with the master key).
        let metricsOpen = settings.observability.metricsPublic || !settings.network.managementAllowedIPs.isEmpty
        let exposition: @Sendable () -> Response = { [metrics] in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        if settings.observability.metricsEnabled, metricsOpen { routes.get("/metrics") { _, _ in exposition() } }
        var callers = authenticated(routes, queryPolicy: .ignore, tls: tls)
        if settings.observability.metricsEnabled, !metricsOpen {
            callers.get("/metrics") { _, context in
                guard [.proxyAdmin, .proxyAdminViewer].contains(context.principal.role) else {
                    throw GatewayError.forbidden("Only a proxy admin or viewer may read /metrics.")
                }
                return exposition()
            }
        }
        // `/logout` is audited as `auth.logout`, not as a management change as well.
        sessionRoutes.register(on: callers)
        health.registerDetails(on: callers)
        let operations = OperationsRoutes(checks: deploymentHealth)
        operations.register(on: callers)
        // Last: every route of this listener is registered by now (the model routes before).
        defer { operations.snapshot(router) }
        // A group's middleware applies to the routes registered after it is added.
        callers = callers.add(middleware: ManagementAuditMiddleware(audit: audit))
        KeyRoutes(management: management).register(on: callers)
        UserRoutes(management: management).register(on: callers)
        TeamRoutes(management: management).register(on: callers)
        OrganizationRoutes(management: management).register(on: callers)
        CustomerRoutes(management: management).register(on: callers)
        BudgetRoutes(management: management).register(on: callers)
        ModelManagementRoutes(management: management, registry: models).register(on: callers)
        OAuthClientRoutes(management: management, ring: signingKeys).register(on: callers)
        SpendRoutes(management: management).register(on: callers)
        CertificateRoutes(management: management, identity: settings.identity.clientCertificateIdentity).register(on: callers)
        AuditRoutes(management: management, audit: audit).register(on: callers)
        LockoutRoutes(management: management, lockouts: lockouts).register(on: callers)
    }
}
