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
    ///   - reloadConfiguration: reads the configuration file again; with `reloadOnHangup`, SIGHUP
    ///     then also reloads the configuration (models and routing apply at once).
    ///   - inspection: where tests read what no listener of theirs may show (the metrics).
    ///   - onServerRunning: told the bound port once the listener is up.
    ///   - clock: the time credentials are checked against (expiry, grace periods, sessions);
    ///     tests move it instead of waiting.
    public static func make(
        config: GatehouseConfig,
        masterKey: String,
        store: StoreConnection,
        logger: Logger,
        reloadOnHangup: Bool = false,
        reloadConfiguration: (@Sendable () throws -> GatehouseConfig)? = nil,
        inspection: Inspection? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        clock: @escaping @Sendable () -> Date = Date.init
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
        let adapters = { @Sendable (models: [Deployment]) in
            models.map { deployment in
                let transport: any UpstreamTransport =
                    deployment.provider == .mock
                    ? MockUpstream(model: deployment.upstreamModel, settings: deployment.mock) : http
                return ProviderAdapter(deployment: deployment, transport: transport)
            }
        }
        let modelRouter = ModelRouter(adapters: adapters(config.models), settings: config.router)
        let metrics = GatewayMetrics(
            models: Set(modelRouter.modelNames), keyAliases: Set(settings.metricsKeyAliases), enabled: settings.metricsEnabled)
        let forwarder = Forwarder(router: modelRouter, settings: settings)
        inspection?.attach { metrics.exposition() }

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
            let identityProviders = IdentityProviderClient { kind, succeeded in metrics.identityProvider(kind, ok: succeeded) }
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
            MasterKeyAuthenticator(masterKey: masterKey), VirtualKeyAuthenticator(cache: cache, now: clock), jwt, ownTokens, introspection,
        ]
        let authenticators = AuthenticatorChain(chain.compactMap { $0 })

        // Metering: windows, budgets and spend, all in the configured time zone.
        guard let calendar = BudgetPeriod.calendar(timeZone: settings.timeZone) else {
            throw GatewayError.invalidRequest("Unknown time zone \(settings.timeZone).")
        }
        let ledger = BudgetLedger(calendar: calendar)
        let spendStore = SpendStore(source: store.source)
        let spendWriter = SpendWriter(
            store: spendStore, interval: .milliseconds(Int64(saturating: settings.spendFlushIntervalSeconds * 1000)), logger: logger)
        let alerts = settings.alertWebhookURL.map { AlertWebhook(url: $0, name: "alert", logger: logger) }
        let sharedBudgets = store.isShared ? SharedBudgets(source: store.source) : nil
        let limiter = RateLimiter(calendar: calendar)
        let rateSync =
            store.isShared
            ? RateUsageSync(
                source: store.source, limiter: limiter, interval: .milliseconds(Int64(saturating: settings.rateLimitSyncSeconds * 1000)),
                logger: logger,
                ready: { cache.isLoaded })
            : nil
        var metering = Metering(
            router: modelRouter, settings: settings, ledger: ledger, limiter: limiter, writer: spendWriter, shared: sharedBudgets, sync: rateSync,
            alerts: alerts, logger: logger)
        metering.metrics = metrics
        if let jwt { metrics.watch(cache: "jwt") { jwt.cacheLookups } }
        if let introspection { metrics.watch(cache: "introspection") { introspection.cacheLookups } }
        let auditStore = AuditStore(source: store.source)
        let audit = Audit(
            store: auditStore, streams: try AuditStreams(destinations: settings.auditStreams, logger: logger),
            interval: .milliseconds(Int64(saturating: settings.auditFlushIntervalSeconds * 1000)), logger: logger)
        let passwords = PasswordHasher(cost: settings.passwordHashCost)
        let management = Management(
            store: identities, cache: cache, feed: feed, spend: SpendLookup(store: spendStore, writer: spendWriter, ledger: ledger),
            audit: auditStore, passwords: passwords, router: modelRouter)

        // Client certificates (read once per TLS connection, or from a trusted proxy's header),
        // bound to keys, users and teams.
        let clientCertificates = ClientCertificateSource(settings: settings)
        let sessions = SessionAuthenticator(
            store: identities.logins, cache: cache, lifetime: settings.sessionLifetimeSeconds, idleTimeout: settings.sessionIdleSeconds,
            now: clock)
        let authentication = Authentication(
            secrets: authenticators,
            certificates: clientCertificates.map { _ in CertificateAuthenticator(cache: cache, kind: settings.clientCertificateIdentity, now: clock)
            },
            certificateRoutes: settings.certificateRoutes, sessions: sessions, ownIssuer: ownTokens.issuer)

        let accessLog = try settings.accessLog.map { AccessLog(sink: try LineSink($0)) }
        var lockouts = Lockouts(settings: settings)
        if store.isShared { lockouts.shared = LockoutStore(source: store.source) }
        let routes = GatewayRoutes(
            settings: settings, authentication: authentication, certificates: clientCertificates, forwarder: forwarder,
            modelRouter: modelRouter, metering: metering, management: management, ownTokens: ownTokens, signingKeys: signingKeys,
            audit: audit, metrics: metrics, accessLog: accessLog,
            lockouts: lockouts, alerts: alerts,
            sessionAuthenticator: sessions, passwords: passwords)
        let router = routes.router()
        routes.addGateway(to: router, tls: settings.tls != nil)
        // The management API on its own listener when one is configured, else beside the models.
        var managementApp: App?
        if let listener = settings.managementListener {
            let managementRouter = routes.router()
            routes.addManagement(to: managementRouter, tls: listener.tls != nil)
            let socket = try Listener(
                tls: listener.tls, server: settings, certificates: clientCertificates?.handshakes, reloadOnHangup: reloadOnHangup, audit: audit,
                metrics: metrics, logger: logger)
            var app = Application(
                router: managementRouter, server: socket.server,
                configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: nil, reuseAddress: true),
                onServerRunning: { channel in
                    logger.info(
                        "management API listening on \(listener.tls == nil ? "http" : "https")://\(listener.host):\(channel.localAddress?.port ?? listener.port)"
                    )
                },
                logger: logger)
            if let tls = socket.tls { app.addServices(tls) }
            // Opens once the main listener's start-up (migrations, the identity cache) is done.
            app.beforeServerStarts {
                while !cache.isLoaded { try await Task.sleep(for: .milliseconds(20)) }
            }
            managementApp = app
        } else {
            routes.addManagement(to: router, tls: settings.tls != nil)
        }

        let socket = try Listener(
            tls: settings.tls, server: settings, certificates: clientCertificates?.handshakes, reloadOnHangup: reloadOnHangup, audit: audit,
            metrics: metrics, logger: logger)
        var app = Application(
            router: router,
            server: socket.server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
        // Shut down in reverse order, after the server has let requests finish: alerts and spend
        // are written before the store closes.
        app.addServices(store.service)
        app.addServices(http)
        app.addServices(spendWriter)
        app.addServices(audit.writer)
        if let accessLog { app.addServices(accessLog) }
        if let webhook = audit.streams.webhook { app.addServices(webhook) }
        if let rateSync { app.addServices(rateSync) }
        if let shared = lockouts.shared {
            app.addServices(
                LockoutSync(
                    store: shared, lockouts: lockouts, interval: .milliseconds(Int64(saturating: settings.rateLimitSyncSeconds * 1000)),
                    logger: logger,
                    ready: { cache.isLoaded }))
        }
        if let tls = socket.tls { app.addServices(tls) }
        if let alerts { app.addServices(alerts) }
        if reloadOnHangup, let reloadConfiguration {
            let prices = metering.prices
            app.addServices(
                ConfigReloader(
                    running: config, load: reloadConfiguration,
                    apply: { new in
                        modelRouter.replace(adapters: adapters(new.models), settings: new.router)
                        prices.reload(from: modelRouter)
                        metrics.label(models: Set(modelRouter.modelNames))
                    }, audit: audit, logger: logger))
        }
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
        // Added last, so stopped first: its requests finish while the store is still open.
        if let managementApp { app.addServices(managementApp) }
        return app
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting and lets in-flight requests and
    /// streams finish for up to `shutdownGraceSeconds` before cancelling them.
    public static func run(_ app: App, settings: ServerSettings, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(saturating: settings.shutdownGraceSeconds * 1000))
        try await ServiceGroup(configuration: configuration).run()
    }
}
