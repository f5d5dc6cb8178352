import Foundation
import GatehouseAuth
public import GatehouseCore
import GatehouseProviders
public import GatehouseStore
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Wires configuration, providers, authenticators and routes into a Hummingbird application.
public enum GatehouseApplication {
    public typealias App = Application<RouterResponder<GatewayRequestContext>>

    /// - Parameters:
    ///   - masterKey: the operator's key (from config or the data folder).
    ///   - store: the database; migrated and loaded into the key cache before the listener opens.
    ///   - reloadOnHangup: whether SIGHUP reloads the TLS files (the server process; not tests).
    ///   - onServerRunning: told the bound port once the listener is up.
    public static func make(
        config: GatehouseConfig,
        masterKey: String,
        store: StoreConnection,
        logger: Logger,
        reloadOnHangup: Bool = false,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> App {
        // Refuse unusable configured keys before anything that needs shutting down is created.
        for issuer in config.jwtIssuers { try JWTIssuerKeys.checkInlineKeys(of: issuer) }
        let settings = config.server
        let connectTimeout = TimeAmount.seconds(fractional: settings.connectTimeout)
        let idleTimeout = TimeAmount.seconds(fractional: settings.streamIdleTimeout)
        let tls = UpstreamTLS.configuration(extraCAFile: settings.upstreamCAFile)
        let http: any UpstreamTransport & Service
        switch settings.upstreamClient {
        case .nio: http = try NIOHTTPTransport(connectTimeout: connectTimeout, idleTimeout: idleTimeout, tls: tls)
        case .asyncHTTPClient: http = HTTPClientTransport(connectTimeout: connectTimeout, idleTimeout: idleTimeout, tls: tls)
        }
        let adapters = config.models.map { deployment in
            let transport: any UpstreamTransport =
                deployment.provider == .mock
                ? MockUpstream(model: deployment.upstreamModel, settings: deployment.mock) : http
            return ProviderAdapter(deployment: deployment, transport: transport)
        }
        let modelRouter = ModelRouter(adapters: adapters, settings: config.router)
        let forwarder = Forwarder(router: modelRouter, settings: settings)

        let identities = IdentityStore(source: store.source)
        let cache = IdentityCache()
        let feed = store.changeFeed(cache: cache, logger: logger)
        let signingKeys = SigningKeyRing(store: identities.oauth, masterKey: masterKey, settings: settings.oauth)
        let ownTokens = OwnTokenAuthenticator(
            issuer: settings.oauth.issuer ?? "\(settings.tls == nil ? "http" : "https")://\(settings.host):\(settings.port)", ring: signingKeys,
            cache: cache)
        var jwt: JWTAuthenticator?
        var introspection: IntrospectionAuthenticator?
        var jwksRefresher: JWKSRefresher?
        if !config.jwtIssuers.isEmpty || !config.introspection.isEmpty {
            let identityProviders = IdentityProviderClient()
            let issuers = try config.jwtIssuers.map { try JWTIssuerKeys(settings: $0, fetcher: identityProviders) }
            let provisioner = DirectoryProvisioner(store: identities, cache: cache, feed: feed)
            if !issuers.isEmpty { jwt = JWTAuthenticator(issuers: issuers, cache: cache, provisioner: provisioner) }
            if !config.introspection.isEmpty {
                introspection = IntrospectionAuthenticator(
                    endpoints: config.introspection, http: identityProviders, cache: cache, provisioner: provisioner)
            }
            jwksRefresher = JWKSRefresher(issuers: issuers, fetcher: identityProviders, logger: logger)
        }
        // Gatehouse's own tokens after the configured issuers' (each remembers the other's tokens
        // as foreign, so neither parses them again), and before introspection, which must never
        // be sent them.
        let chain: [(any Authenticator)?] = [
            MasterKeyAuthenticator(masterKey: masterKey), VirtualKeyAuthenticator(cache: cache), jwt, ownTokens, introspection,
        ]
        let authenticators = AuthenticatorChain(chain.compactMap { $0 })

        // Metering: windows, budgets and spend, all in the configured time zone.
        guard let calendar = BudgetPeriod.calendar(timeZone: settings.timeZone) else {
            throw GatewayError.invalidRequest("Unknown time zone \(settings.timeZone).")
        }
        let ledger = BudgetLedger(calendar: calendar)
        let spendStore = SpendStore(source: store.source)
        let spendWriter = SpendWriter(store: spendStore, interval: .milliseconds(Int64(settings.spendFlushIntervalSeconds * 1000)), logger: logger)
        let alerts = settings.alertWebhookURL.map { AlertWebhook(url: $0, logger: logger) }
        let sharedBudgets = store.isShared ? SharedBudgets(source: store.source) : nil
        let limiter = RateLimiter(calendar: calendar)
        let rateSync =
            store.isShared
            ? RateUsageSync(
                source: store.source, limiter: limiter, interval: .milliseconds(Int64(settings.rateLimitSyncSeconds * 1000)), logger: logger,
                ready: { cache.isLoaded })
            : nil
        let metering = Metering(
            router: modelRouter, settings: settings, ledger: ledger, limiter: limiter, writer: spendWriter, shared: sharedBudgets, sync: rateSync,
            alerts: alerts, logger: logger)
        let management = Management(
            store: identities, cache: cache, feed: feed, spend: SpendLookup(store: spendStore, writer: spendWriter, ledger: ledger))

        // Client certificates (read once per TLS connection, or from a trusted proxy's header),
        // bound to keys, users and teams.
        let clientCertificates = ClientCertificateSource(settings: settings, cache: cache)

        let router = Router(context: GatewayRequestContext.self)
        router.middlewares.add(ErrorEnvelopeMiddleware())
        HealthRoutes().register(on: router)
        OAuthServerRoutes(
            tokens: ownTokens, ring: signingKeys, store: identities, cache: cache, feed: feed, settings: settings.oauth,
            certificates: clientCertificates
        ).register(on: router)
        // Model routes and management routes differ only in what `?key=` means.
        let modelRoutes = router.group()
            .add(
                middleware: AuthenticationMiddleware(
                    authenticators: authenticators, queryPolicy: settings.allowKeyInQuery ? .accept : .refuse, certificates: clientCertificates))
        let managementRoutes = router.group()
            .add(middleware: AuthenticationMiddleware(authenticators: authenticators, queryPolicy: .ignore, certificates: clientCertificates))
        ProxyRoutes(
            forwarder: forwarder, maxBodyBytes: settings.maxRequestBodyBytes,
            bodyTimeout: .seconds(fractional: settings.clientBodyTimeout), metering: metering
        ).register(on: modelRoutes)
        ModelRoutes(router: modelRouter, created: Int(Date().timeIntervalSince1970)).register(on: modelRoutes)
        KeyRoutes(management: management).register(on: managementRoutes)
        UserRoutes(management: management).register(on: managementRoutes)
        TeamRoutes(management: management).register(on: managementRoutes)
        OrganizationRoutes(management: management).register(on: managementRoutes)
        OAuthClientRoutes(management: management, ring: signingKeys).register(on: managementRoutes)
        SpendRoutes(management: management).register(on: managementRoutes)
        CertificateRoutes(management: management, identity: settings.clientCertificateIdentity).register(on: managementRoutes)

        let tlsContexts = try settings.tls.map {
            try ServerTLSContext(
                settings: $0, checkInterval: .milliseconds(Int64(settings.tlsReloadCheckSeconds * 1000)), reloadOnHangup: reloadOnHangup,
                logger: logger)
        }
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderLimitResponder()] + (clientCertificates?.handshakes.map { [$0.capture()] } ?? []),
            idleTimeout: .seconds(fractional: settings.clientIdleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: settings.maxHeaderBytes,
                maxHeaderListSize: settings.maxHeaderBytes,
                maxHeaderFieldCount: settings.maxHeaderCount
            )
        )
        var app = Application(
            router: router,
            server: tlsContexts.map { .reloadableTLS(http1, contexts: $0) } ?? .http1(configuration: http1),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
        // Shut down in reverse order, after the server has let requests finish: alerts and spend
        // are written before the store closes.
        app.addServices(store.service)
        app.addServices(http)
        app.addServices(spendWriter)
        if let rateSync { app.addServices(rateSync) }
        if let tlsContexts { app.addServices(tlsContexts) }
        if let alerts { app.addServices(alerts) }
        app.beforeServerStarts {
            try await identities.migrate()
            try await cache.reload(from: identities)
            try await signingKeys.load()
            if let sharedBudgets {
                try await sharedBudgets.removeExpired(now: Date())
            } else {
                for total in try await spendStore.totals() { ledger.load(account: total.account, periodStart: total.periodStart, spent: total.spend) }
            }
            logger.info("store ready", metadata: ["keys": "\(cache.count)"])
        }
        app.addServices(feed)
        if let jwksRefresher { app.addServices(jwksRefresher) }
        app.addServices(SigningKeyRotation(ring: signingKeys, logger: logger))
        return app
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting and lets in-flight requests and
    /// streams finish for up to `shutdownGraceSeconds` before cancelling them.
    public static func run(_ app: App, settings: ServerSettings, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(settings.shutdownGraceSeconds * 1000))
        try await ServiceGroup(configuration: configuration).run()
    }
}
