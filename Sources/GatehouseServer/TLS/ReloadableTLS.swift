import Foundation
import GatehouseCore
import GatehouseStore
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The listener's TLS context, replaced when the certificate files change or on SIGHUP. New
/// connections get the new one; open connections keep theirs, so nothing is dropped. Files that do
/// not load (half-written, mismatched key) leave the current context in place.
final class ServerTLSContext: Service, Sendable {
    let settings: TLSSettings
    let checkInterval: Duration
    /// Whether SIGHUP reloads too. Only the server process traps it: a trapped signal makes
    /// libdispatch keep the process alive past `main` (test runners would never exit).
    let reloadOnHangup: Bool
    /// Reloads and refused client certificates are audited.
    let audit: Audit?
    let metrics: GatewayMetrics?
    let logger: Logger
    private let state: Mutex<(current: Loaded, stamp: [Date?])>

    /// One load of the files: the TLS context and, when client certificates are asked for, what
    /// checks them.
    struct Loaded {
        let context: NIOSSLContext
        let verifier: ClientCertificateVerifier?

        init(_ settings: TLSSettings) throws {
            context = try NIOSSLContext(configuration: try settings.serverConfiguration())
            verifier = try settings.clientCAFile.map {
                try ClientCertificateVerifier(caFile: $0, crlFile: settings.clientCRLFile, maxDepth: settings.clientVerifyDepth)
            }
        }
    }

    init(
        settings: TLSSettings, checkInterval: Duration, reloadOnHangup: Bool, audit: Audit? = nil, metrics: GatewayMetrics? = nil, logger: Logger
    ) throws {
        self.audit = audit
        self.metrics = metrics
        self.settings = settings
        self.checkInterval = checkInterval
        self.reloadOnHangup = reloadOnHangup
        self.logger = logger
        state = Mutex((try Loaded(settings), Self.stamp(settings)))
    }

    var current: Loaded { state.withLock { $0.current } }

    /// A new connection's TLS handler: BoringSSL's handshake, with our own check of the client's
    /// certificate chain when one is asked for.
    /// - Parameter peer: the client's address, for the audit record of a refused certificate.
    func handler(peer: String?) -> NIOSSLServerHandler {
        let loaded = current
        guard settings.clientAuth != .off, let verifier = loaded.verifier else { return NIOSSLServerHandler(context: loaded.context) }
        let (logger, audit, metrics) = (logger, audit, metrics)
        return NIOSSLServerHandler(
            context: loaded.context,
            customVerificationCallback: verifier.callback { subject, reason in
                logger.info("client certificate refused", metadata: ["subject": "\(subject)", "reason": "\(reason)"])
                metrics?.authenticationFailed(.clientCertificate, reason: "certificate")
                audit?.record(
                    AuditEvent(
                        action: .authFailure, actor: "anonymous", outcome: .failure, address: peer,
                        details: ["method": "client_certificate", "reason": .string(reason), "subject": .string(subject)]))
            })
    }

    /// Loads the files (certificate, key, client CAs, CRLs) again if they changed since the last load (or `force`).
    /// - Returns: whether a new context is in use.
    @discardableResult
    func reload(force: Bool = false) -> Bool {
        let stamp = Self.stamp(settings)
        guard force || stamp != state.withLock({ $0.stamp }) else { return false }
        do {
            let loaded = try Loaded(settings)
            state.withLock { $0 = (loaded, stamp) }
            logger.info("TLS certificate reloaded", metadata: ["file": "\(settings.certificateFile)"])
            audit?.record(
                AuditEvent(action: .configTLSReload, actor: "system", object: "tls:" + settings.certificateFile, outcome: .success))
            return true
        } catch {
            logger.error("TLS certificate files did not load; keeping the current ones", metadata: ["error": "\(error)"])
            audit?.record(
                AuditEvent(
                    action: .configTLSReload, actor: "system", object: "tls:" + settings.certificateFile, outcome: .failure,
                    details: ["reason": .string("\(error)")]))
            // Do not retry the same broken files every interval; a further change is tried again.
            state.withLock { $0.stamp = stamp }
            return false
        }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            if reloadOnHangup {
                let hangups = await UnixSignalsSequence(trapping: .sighup)
                group.addTask {
                    for await _ in hangups { self.reload(force: true) }
                }
            }
            group.addTask {
                while Task.serviceGoesOn {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.checkInterval) }
                    self.reload()
                }
            }
            // The file watch ends at graceful shutdown; the signal loop with it.
            await group.next()
            group.cancelAll()
        }
    }

    /// The files' modification times: a change to any of them means reload.
    static func stamp(_ settings: TLSSettings) -> [Date?] {
        [settings.certificateFile, settings.keyFile, settings.clientCAFile, settings.clientCRLFile].map { path in
            path.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        }
    }
}

/// Hummingbird's TLS child channel, but taking the context at each new connection from
/// `ServerTLSContext`, so a reload applies without restarting the listener.
struct ReloadableTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value
    let base: BaseChannel
    let contexts: ServerTLSContext

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(contexts.handler(peer: channel.remoteAddress?.ipAddress))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadableTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}
