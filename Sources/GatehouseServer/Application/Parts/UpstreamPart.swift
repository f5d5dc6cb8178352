import GatehouseCore
import GatehouseProviders
import NIOCore
import ServiceLifecycle

/// The providers: the upstream HTTP client, an adapter per deployment over it, the model router
/// and the forwarder.
struct UpstreamPart {
    let http: any UpstreamTransport & Service
    let router: ModelRouter
    let forwarder: Forwarder
    /// The adapters of a model list (again at each reload).
    let adapters: @Sendable ([Deployment]) -> [ProviderAdapter]

    init(settings: UpstreamSettings, models: [Deployment], routing: RouterSettings) throws {
        let connectTimeout = TimeAmount.seconds(fractional: settings.connectTimeout)
        let idleTimeout = TimeAmount.seconds(fractional: settings.streamIdleTimeout)
        let tls = UpstreamTLS.configuration(extraCAFile: settings.caFile)
        let http: any UpstreamTransport & Service
        let perOrigin = settings.maxConnectionsPerOrigin
        switch settings.client {
        case .nio:
            http = try NIOHTTPTransport(connectTimeout: connectTimeout, idleTimeout: idleTimeout, tls: tls, maxConnectionsPerOrigin: perOrigin)
        case .asyncHTTPClient:
            http = HTTPClientTransport(connectTimeout: connectTimeout, idleTimeout: idleTimeout, tls: tls, connectionsPerHost: perOrigin)
        }
        adapters = { models in
            models.map { deployment in
                let transport: any UpstreamTransport =
                    deployment.provider == .mock ? MockUpstream(model: deployment.upstreamModel, settings: deployment.mock) : http
                return ProviderAdapter(deployment: deployment, transport: transport)
            }
        }
        self.http = http
        router = ModelRouter(adapters: adapters(models), settings: routing)
        forwarder = Forwarder(router: router, settings: settings)
    }
}
