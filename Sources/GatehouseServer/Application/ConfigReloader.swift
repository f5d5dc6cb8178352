import Foundation
import GatehouseCore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the configuration file on SIGHUP. The models and their routing apply from the next
/// request (requests already running finish where they started); changes to any other section
/// are reported — logged and audited — as needing a restart; a file that does not load changes
/// nothing. Every reload is an audit record (`config.reload`).
final class ConfigReloader: Service, Sendable {
    private let running: Mutex<GatehouseConfig>
    private let load: @Sendable () throws -> GatehouseConfig
    private let apply: @Sendable (GatehouseConfig) -> Void
    private let audit: Audit
    private let logger: Logger

    /// - Parameters:
    ///   - load: reads the file again (as at start, command-line overrides included).
    ///   - apply: puts a new configuration's models and routing in place.
    init(
        running: GatehouseConfig, load: @escaping @Sendable () throws -> GatehouseConfig, apply: @escaping @Sendable (GatehouseConfig) -> Void,
        audit: Audit, logger: Logger
    ) {
        self.running = Mutex(running)
        self.load = load
        self.apply = apply
        self.audit = audit
        self.logger = logger
    }

    /// - Returns: what changed, or nil when the file did not load.
    @discardableResult
    func reload() -> ConfigChanges? {
        let new: GatehouseConfig
        do {
            new = try load()
        } catch {
            logger.error("configuration reload failed; the running configuration stays", metadata: ["error": "\(error)"])
            // The key path only: a message may quote the value that was wrong.
            let reason = (error as? ConfigError).map { error in "invalid at \(error.path.isEmpty ? "the top level" : error.path)" } ?? "unreadable"
            audit.record(
                AuditEvent(action: .configReload, actor: "system", object: "config", outcome: .failure, details: ["reason": .string(reason)]))
            return nil
        }
        let changes = ConfigChanges(from: running.withLock { $0 }, to: new)
        if changes.changesModels {
            apply(new)
            running.withLock { $0 = ConfigChanges.applied(new, to: $0) }
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "models_added": "\(changes.modelsAdded)", "models_removed": "\(changes.modelsRemoved)", "models_changed": "\(changes.modelsChanged)",
                "router_changed": "\(changes.routerChanged)", "needs_restart": "\(changes.needsRestart)",
            ])
        for section in changes.needsRestart { logger.warning("configuration reload: `\(section)` changed and applies at the next start") }
        audit.record(
            AuditEvent(
                action: .configReload, actor: "system", object: "config", outcome: .success,
                details: [
                    "models_added": JSONValue.array(changes.modelsAdded.map(JSONValue.string)),
                    "models_removed": JSONValue.array(changes.modelsRemoved.map(JSONValue.string)),
                    "models_changed": JSONValue.array(changes.modelsChanged.map(JSONValue.string)),
                    "router_changed": .bool(changes.routerChanged),
                    "needs_restart": JSONValue.array(changes.needsRestart.map(JSONValue.string)),
                ]))
        return changes
    }

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            for await _ in hangups { self.reload() }
        }
    }
}
