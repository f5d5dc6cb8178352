import GatehouseCore
import GatehouseProviders
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How one listening socket serves: HTTP/1.1 with the configured limits, over TLS when it has
/// certificate files (reloadable, and recording each connection's client certificate when it asks
/// for one). A connection the closing listener drops is closed cleanly (`ShutdownSafeChannel`).
/// With a data plane, the model routes are answered below Hummingbird's server (see
/// `DataPlaneHandler`), which then also keeps the idle timeout for both.
struct Listener {
    let server: HTTPServerBuilder
    /// The TLS files' watcher, a service to run beside the server.
    let tls: ServerTLSContext?

    init(
        tls settings: TLSSettings?, bounds listener: ListenerSettings, certificates: ClientCertificates?, reloadOnHangup: Bool, audit: Audit,
        metrics: GatewayMetrics, logger: Logger, dataPlane: DataPlane? = nil
    ) throws {
        let tls = try settings.map {
            try ServerTLSContext(
                settings: $0, checkInterval: .milliseconds(Int64(saturating: listener.tlsReloadCheckSeconds * 1000)), reloadOnHangup: reloadOnHangup,
                audit: audit, metrics: metrics, logger: logger)
        }
        let capture = settings.map { $0.clientAuth != .off } == true ? certificates : nil
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderLimitResponder()] + (capture.map { [$0.capture()] } ?? []),
            idleTimeout: dataPlane == nil ? .seconds(fractional: listener.clientIdleTimeout) : nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: listener.maxHeaderBytes,
                maxHeaderListSize: listener.maxHeaderBytes,
                maxHeaderFieldCount: listener.maxHeaderCount
            )
        )
        self.tls = tls
        self.server = HTTPServerBuilder { responder -> any ServerChildChannel in
            func served<Channel: ServerChildChannel>(_ channel: Channel) -> any ServerChildChannel
            where Channel.Value == NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
                guard let tls else { return ShutdownSafeChannel(base: channel) }
                return ShutdownSafeChannel(base: ReloadableTLSChannel(base: channel, contexts: tls))
            }
            let plain = HTTP1Channel(responder: responder, configuration: http1)
            return dataPlane.map { served(DataPlaneChannel(base: plain, plane: $0)) } ?? served(plain)
        }
    }
}
