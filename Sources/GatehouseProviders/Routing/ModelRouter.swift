public import GatehouseCore
import Synchronization

/// Maps a public model name to its deployments and runs a request against them: balancing,
/// retrying elsewhere on a retryable failure, cooling down failing deployments, falling back.
public final class ModelRouter: Sendable {
    public let settings: RouterSettings
    private let adapters: [String: [ProviderAdapter]]
    private let adaptersByID: [String: ProviderAdapter]
    private let groups: [String: [String]]
    private let state = Mutex(State())
    private let sleep: @Sendable (Duration) async throws -> Void

    struct State {
        var inFlight: [String: Int] = [:]
        var failures: [String: [ContinuousClock.Instant]] = [:]
        var cooldownUntil: [String: ContinuousClock.Instant] = [:]
        var rotation = 0
    }

    public init(
        adapters: [ProviderAdapter], settings: RouterSettings,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.adapters = Dictionary(grouping: adapters, by: \.deployment.modelName)
        self.adaptersByID = Dictionary(adapters.map { ($0.deployment.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.groups = self.adapters.mapValues { Array(Set($0.flatMap(\.deployment.accessGroups))).sorted() }
        self.settings = settings
        self.sleep = sleep
    }

    /// Public model names, sorted.
    public var modelNames: [String] { adapters.keys.sorted() }

    public func deployments(of model: String) -> [Deployment] {
        adapters[model]?.map(\.deployment) ?? []
    }

    public func hasModel(_ model: String) -> Bool { adapters[model] != nil }

    /// The `model_info.access_groups` of a model's deployments.
    public func accessGroups(of model: String) -> [String] { groups[model] ?? [] }

    /// Runs `attempt` on deployments in routing order until one succeeds.
    /// - Throws: the first non-retryable error, or the last `AttemptFailure` as a `GatewayError`.
    public func run<T: Sendable>(model: String, _ attempt: (ProviderAdapter) async throws -> T) async throws -> T {
        guard adapters[model] != nil else { throw GatewayError.modelNotFound(model) }
        let plan = self.plan(for: model)
        var tried: Set<String> = []
        var lastFailure: AttemptFailure?
        for (index, adapter) in plan.enumerated() {
            let id = adapter.deployment.id
            if !tried.insert(id).inserted {
                // Same deployment again: back off exponentially. A different one is tried at once.
                let delay = settings.retryBackoff * Double(1 << min(index, 6))
                try await sleep(.milliseconds(Int(min(delay, 5) * 1000)))
            }
            begin(id)
            do {
                let result = try await attempt(adapter)
                end(id, failed: false)
                return result
            } catch let failure as AttemptFailure {
                end(id, failed: true)
                lastFailure = failure
            } catch {
                end(id, failed: false)
                throw error
            }
        }
        throw (lastFailure ?? AttemptFailure(.unreachable, message: "no deployment")).gatewayError
    }

    func plan(for model: String) -> [ProviderAdapter] {
        let now = ContinuousClock.now
        let (inFlight, cooled, rotation) = state.withLock { state -> ([String: Int], Set<String>, Int) in
            state.rotation &+= 1
            let cooled = Set(state.cooldownUntil.filter { $0.value > now }.keys)
            return (state.inFlight, cooled, state.rotation)
        }
        var random = SystemRandomNumberGenerator()
        func ordered(_ name: String) -> [Deployment] {
            DeploymentOrder.order(
                deployments(of: name), strategy: settings.strategy, inFlight: inFlight, cooledDown: cooled, rotation: rotation, random: &random)
        }
        let fallbacks = (settings.fallbacks[model] ?? []).filter { $0 != model }.map(ordered)
        let attempts = DeploymentOrder.attempts(primary: ordered(model), retries: settings.numRetries, fallbacks: fallbacks)
        return attempts.compactMap { adaptersByID[$0.id] }
    }

    private func begin(_ id: String) {
        state.withLock { $0.inFlight[id, default: 0] += 1 }
    }

    private func end(_ id: String, failed: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.inFlight[id, default: 1] -= 1
            guard failed else { return }
            var recent = (state.failures[id] ?? []).filter { now - $0 < .seconds(60) }
            recent.append(now)
            if recent.count >= settings.allowedFails {
                state.cooldownUntil[id] = now + .milliseconds(Int(settings.cooldownSeconds * 1000))
                recent.removeAll()
            }
            state.failures[id] = recent
        }
    }
}
