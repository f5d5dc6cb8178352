import Foundation
import GatehouseCore
import GatehouseProviders
import GatehouseStore
import Logging
import Synchronization

/// The models the router serves: the configuration file's, then those added through the API and
/// stored in the database (their secrets sealed). Rebuilt when either changes — a reload of the
/// file, a model route on this instance, or the change feed telling of another's — and applied
/// from the next request on.
final class ModelRegistry: Sendable {
    struct State {
        var configured: [Deployment]
        var routing: RouterSettings
        var stored: [Deployment] = []
    }

    let router: ModelRouter
    let store: ModelStore
    let seal: SecretSeal
    private let state: Mutex<State>
    private let adapters: @Sendable ([Deployment]) -> [ProviderAdapter]
    /// Told after every change (prices, metric labels).
    private let applied: @Sendable () -> Void
    private let logger: Logger

    init(
        configured: [Deployment], routing: RouterSettings, router: ModelRouter, store: ModelStore, seal: SecretSeal,
        adapters: @escaping @Sendable ([Deployment]) -> [ProviderAdapter], applied: @escaping @Sendable () -> Void, logger: Logger
    ) {
        state = Mutex(State(configured: configured, routing: routing))
        self.router = router
        self.store = store
        self.seal = seal
        self.adapters = adapters
        self.applied = applied
        self.logger = logger
    }

    /// A reloaded configuration file's models and routing.
    func configure(models: [Deployment], routing: RouterSettings) {
        state.withLock {
            $0.configured = models
            $0.routing = routing
        }
        apply()
    }

    /// Reads the stored models again. A stored model whose id the file uses, or that no longer
    /// reads (its secrets sealed under another salt key), is left out and logged.
    func reload() async {
        let stored: [StoredModel]
        do {
            stored = try await store.all()
        } catch {
            logger.error("stored models could not be read; the router keeps the ones it has", metadata: ["error": "\(error)"])
            return
        }
        let configuredIDs = Set(state.withLock { $0.configured.map(\.id) })
        var deployments: [Deployment] = []
        for model in stored {
            guard !configuredIDs.contains(model.id) else {
                logger.warning("a stored model has the id of a configured one; the configuration's is served", metadata: ["model_id": "\(model.id)"])
                continue
            }
            do {
                deployments.append(try deployment(of: model))
            } catch {
                logger.error("a stored model does not load", metadata: ["model_id": "\(model.id)", "error": "\(error)"])
            }
        }
        state.withLock { $0.stored = deployments }
        apply()
    }

    /// A stored model's entry with its secrets opened.
    func entryWithSecrets(_ model: StoredModel) throws -> JSONValue {
        var entry = model.entry
        if let sealed = model.sealedSecrets {
            guard let text = seal.open(sealed), let secrets = try? JSONCoding.decode(Array(text.utf8)) else {
                throw GatewayError.unavailable("The model's secrets were sealed under another salt key.")
            }
            var params = entry["litellm_params"] ?? [:]
            for name in ModelEntry.secretParams { if let value = secrets[name] { params[name] = value } }
            entry["litellm_params"] = params
        }
        return entry
    }

    /// A stored model as the router serves it.
    func deployment(of model: StoredModel) throws -> Deployment {
        var deployment = try ModelEntry.deployment(try entryWithSecrets(model))
        deployment.id = model.id
        deployment.info["db_model"] = true
        return deployment
    }

    /// Whether a deployment id is a stored model's (changed through the API) rather than the file's.
    func isStored(_ id: String) -> Bool { state.withLock { $0.stored.contains { $0.id == id } } }

    func isConfigured(_ id: String) -> Bool { state.withLock { $0.configured.contains { $0.id == id } } }

    private func apply() {
        let (models, routing) = state.withLock { ($0.configured + $0.stored, $0.routing) }
        router.replace(adapters: adapters(models), settings: routing)
        applied()
    }
}
