import Foundation
import GatehouseAuth
public import GatehouseCore
import GatehouseMetering
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
        let upstream = try UpstreamPart(settings: settings.upstream, models: config.models, routing: config.router)
        let observability = settings.observability
        let metrics = GatewayMetrics(
            models: Set(upstream.router.modelNames), keyAliases: Set(observability.metricsKeyAliases), enabled: observability.metricsEnabled)
        inspection?.attach { metrics.exposition() }
        let identity = try IdentityPart(config: config, masterKey: masterKey, connection: store, metrics: metrics, logger: logger, clock: clock)
        let cache = identity.cache
        let metering = try MeteringPart(
            settings: settings.metering, holdSeconds: settings.upstream.requestTimeout + 60, router: upstream.router, connection: store,
            metrics: metrics, logger: logger, ready: { cache.isLoaded })
        let records = try RecordsPart(audit: settings.audit, accessLog: observability.accessLog, connection: store, logger: logger)
        let management = Management(
            store: identity.store, cache: cache, feed: identity.feed,
            spend: SpendLookup(
                store: metering.spendStore, writer: metering.spendWriter, settlements: metering.settlements, ledger: metering.ledger,
                limiter: metering.limiter),
            audit: records.auditStore,
            trail: records.audit, passwords: identity.passwords, router: upstream.router,
            addTeamCreatorAsAdmin: settings.identity.addTeamCreatorAsAdmin)
        let prices = metering.metering.prices
        let saltKey = SecretSeal.saltKey(environment: ProcessInfo.processInfo.environment, masterKey: masterKey)
        let models = ModelRegistry(
            configured: config.models, routing: config.router, router: upstream.router, store: identity.store.models,
            seal: SecretSeal(saltKey: saltKey),
            adapters: upstream.adapters,
            applied: {
                prices.reload()
                metrics.label(models: Set(upstream.router.modelNames))
            }, logger: logger)
        // The stored models are read at every full load of the cache (start-up first) and when
        // the feed tells of a change.
        cache.onModelsChanged { await models.reload() }
        var lockouts = Lockouts(settings: settings.lockout)
        if store.isShared { lockouts.shared = LockoutStore(source: store.source) }
        let routes = GatewayRoutes(
            settings: settings, authentication: identity.authentication, certificates: identity.certificates, forwarder: upstream.forwarder,
            modelRouter: upstream.router, metering: metering.metering, management: management, ownTokens: identity.ownTokens,
            signingKeys: identity.signingKeys, audit: records.audit, metrics: metrics, accessLog: records.accessLog, lockouts: lockouts,
            alerts: metering.alerts, sessionAuthenticator: identity.sessions, passwords: identity.passwords,
            deploymentHealth: DeploymentHealthChecks(router: upstream.router), models: models, singleSignOn: identity.singleSignOn,
            flowSeal: SecretSeal(saltKey: saltKey, purpose: "gatehouse sso sign-in v1"), issuerKeys: identity.issuerKeys)
        let listen = { (tls: TLSSettings?, dataPlane: DataPlane?) in
            try Listener(
                tls: tls, bounds: settings.listener, certificates: identity.certificates?.handshakes, reloadOnHangup: reloadOnHangup,
                audit: records.audit, metrics: metrics, logger: logger, dataPlane: dataPlane)
        }

        let router = routes.router()
        let fixedRoutes = routes.addGateway(to: router, tls: settings.listener.tls != nil)
        // The management API on its own listener when one is configured, else beside the models.
        var managementApp: App?
        if let listener = settings.listener.management {
            managementApp = try managementApplication(
                listener, socket: listen(listener.tls, nil), routes: routes, cache: cache, inspection: inspection, logger: logger)
        } else {
            routes.addManagement(to: router, tls: settings.listener.tls != nil)
        }
        // One responder for both servers on the listener: Hummingbird's, and the data plane's
        // for the model routes (which calls a route with a fixed path without the router's lookup).
        let responder = router.buildResponder()
        assert(fixedRoutes.count == DataPlaneRoutes.fixedPaths.count, "every fixed model route is answered without the router's lookup")
        let dataPlane = DataPlane(
            responder: DataPlane.answer(endpoint: nil, logger: logger) { try await responder.respond(to: $0, context: $1) },
            fixed: Dictionary(
                uniqueKeysWithValues: fixedRoutes.map { path, chain in
                    (path, DataPlane.answer(endpoint: path, logger: logger) { try await chain.respond(to: $0, context: $1) })
                }),
            maxBodyBytes: settings.listener.maxRequestBodyBytes, maxAudioBytes: settings.listener.maxAudioRequestBytes,
            bodyTimeout: .seconds(fractional: settings.listener.clientBodyTimeout),
            idleTimeout: .seconds(fractional: settings.listener.clientIdleTimeout))
        let socket = try listen(settings.listener.tls, dataPlane)
        var app = Application(
            responder: responder,
            server: socket.server,
            configuration: .init(address: .hostname(settings.listener.host, port: settings.listener.port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.listener.port) },
            logger: logger
        )
        // Shut down in reverse order, after the server has let requests finish: alerts and spend
        // are written before the store closes.
        app.addServices(store.service, upstream.http)
        app.addServices(metering.services)
        app.addServices(records.services)
        if let shared = lockouts.shared {
            app.addServices(
                LockoutSync(
                    store: shared, lockouts: lockouts,
                    interval: .milliseconds(Int64(saturating: settings.metering.rateLimitSyncSeconds * 1000)), logger: logger,
                    ready: { cache.isLoaded }))
        }
        if let tls = socket.tls { app.addServices(tls) }
        if reloadOnHangup, let reloadConfiguration {
            app.addServices(
                ConfigReloader(
                    running: config, load: reloadConfiguration, apply: { new in models.configure(models: new.models, routing: new.router) },
                    audit: records.audit, logger: logger))
        }
        app.beforeServerStarts {
            try await identity.load()
            try await metering.load()
            logger.info("store ready", metadata: ["keys": "\(cache.count)"])
        }
        app.addServices(identity.services)
        // Added last, so stopped first: its requests finish while the store is still open.
        if let managementApp { app.addServices(managementApp) }
        return app
    }

    /// The management API (and health checks) alone on a second listener, opening once the main
    /// listener's start-up (migrations, the identity cache) is done.
    private static func managementApplication(
        _ listener: ManagementListenerSettings, socket: Listener, routes: GatewayRoutes, cache: IdentityCache, inspection: Inspection?,
        logger: Logger
    ) -> App {
        let router = routes.router()
        routes.addManagement(to: router, tls: listener.tls != nil)
        var app = Application(
            router: router, server: socket.server,
            configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: nil, reuseAddress: true),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listener.port
                inspection?.managementListening(on: port)
                logger.info("management API listening on \(listener.tls == nil ? "http" : "https")://\(listener.host):\(port)")
            },
            logger: logger)
        if let tls = socket.tls { app.addServices(tls) }
        app.beforeServerStarts {
            while !cache.isLoaded { try await Task.sleep(for: .milliseconds(20)) }
        }
        return app
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting and lets in-flight requests and
    /// streams finish for up to `shutdownGraceSeconds` before cancelling them.
    public static func run(_ app: App, settings: ListenerSettings, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(saturating: settings.shutdownGraceSeconds * 1000))
        try await ServiceGroup(configuration: configuration).run()
    }
}
