public import GatehouseCore
import Synchronization

/// Maps a public model name to its deployments and runs a request against them: balancing,
/// retrying elsewhere on a retryable failure, cooling down failing deployments, falling back.
public final class ModelRouter: Sendable {
    /// The models and how they are routed: replaced whole when the configuration is reloaded, read
    /// once per request (a request keeps the table it started with).
    struct Table: Sendable {
        let settings: RouterSettings
        let adapters: [String: [ProviderAdapter]]
        let adaptersByID: [String: ProviderAdapter]
        let groups: [String: [String]]

        init(adapters: [ProviderAdapter], settings: RouterSettings) {
            self.adapters = Dictionary(grouping: adapters, by: \.deployment.modelName)
            self.adaptersByID = Dictionary(adapters.map { ($0.deployment.id, $0) }, uniquingKeysWith: { first, _ in first })
            self.groups = self.adapters.mapValues { Array(Set($0.flatMap(\.deployment.accessGroups))).sorted() }
            self.settings = settings
        }

        func deployments(of model: String) -> [Deployment] { adapters[model]?.map(\.deployment) ?? [] }
    }

    private let table: Mutex<Table>
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
        self.table = Mutex(Table(adapters: adapters, settings: settings))
        self.sleep = sleep
    }

    /// Routes to these deployments from the next request on (a reloaded configuration); requests
    /// already running finish on the ones they started with. Failure counts and cool-downs of
    /// deployments that remain (by id) are kept.
    public func replace(adapters: [ProviderAdapter], settings: RouterSettings) {
        let table = Table(adapters: adapters, settings: settings)
        self.table.withLock { $0 = table }
        state.withLock { state in
            state.failures = state.failures.filter { table.adaptersByID[$0.key] != nil }
            state.cooldownUntil = state.cooldownUntil.filter { table.adaptersByID[$0.key] != nil }
        }
    }

    private var current: Table { table.withLock { $0 } }

    public var settings: RouterSettings { current.settings }

    /// Public model names, sorted.
    public var modelNames: [String] { current.adapters.keys.sorted() }

    public func deployments(of model: String) -> [Deployment] { current.deployments(of: model) }

    public func hasModel(_ model: String) -> Bool { current.adapters[model] != nil }

    /// The `model_info.access_groups` of a model's deployments.
    public func accessGroups(of model: String) -> [String] { current.groups[model] ?? [] }

    /// The public model names whose deployments belong to access group `group`, sorted.
    public func models(inAccessGroup group: String) -> [String] {
        current.groups.filter { $0.value.contains(group) }.keys.sorted()
    }

    /// Runs `attempt` on deployments in routing order until one succeeds.
    /// - Throws: the first non-retryable error, or the last `AttemptFailure` as a `GatewayError`.
    /// - Parameter mayUse: whether the caller may use a model: fallbacks it may not use are
    ///   skipped (a fallback is another model, and access is checked for every model tried).
    public func run<T: Sendable>(
        model: String, mayUse: (String) -> Bool = { _ in true }, _ attempt: (ProviderAdapter) async throws -> T
    ) async throws -> T {
        let table = current
        guard table.adapters[model] != nil else { throw GatewayError.modelNotFound(model) }
        let settings = table.settings
        let plan = self.plan(for: model, in: table, mayUse: mayUse)
        var tried: Set<String> = []
        var lastFailure: AttemptFailure?
        for (index, adapter) in plan.enumerated() {
            let id = adapter.deployment.id
            if !tried.insert(id).inserted {
                // Same deployment again: back off exponentially. A different one is tried at once.
                let delay = settings.retryBackoff * Double(1 << min(index, 6))
                try await sleep(.milliseconds(Int(saturating: min(delay, 5) * 1000)))
            }
            begin(id)
            do {
                let result = try await attempt(adapter)
                end(id, failed: false, settings)
                return result
            } catch let failure as AttemptFailure {
                end(id, failed: true, settings)
                lastFailure = failure
            } catch {
                end(id, failed: false, settings)
                throw error
            }
        }
        throw (lastFailure ?? AttemptFailure(.unreachable, message: "no deployment")).gatewayError
    }

    func plan(for model: String) -> [ProviderAdapter] { plan(for: model, in: current, mayUse: { _ in true }) }

    private func plan(for model: String, in table: Table, mayUse: (String) -> Bool) -> [ProviderAdapter] {
        let settings = table.settings
        let now = ContinuousClock.now
        let (inFlight, cooled, rotation) = state.withLock { state -> ([String: Int], Set<String>, Int) in
            state.rotation &+= 1
            let cooled = Set(state.cooldownUntil.filter { $0.value > now }.keys)
            return (state.inFlight, cooled, state.rotation)
        }
        var random = SystemRandomNumberGenerator()
        func ordered(_ name: String) -> [Deployment] {
            DeploymentOrder.order(
                table.deployments(of: name), strategy: settings.strategy, inFlight: inFlight, cooledDown: cooled, rotation: rotation, random: &random)
        }
        let fallbacks = (settings.fallbacks[model] ?? []).filter { $0 != model && mayUse($0) }.map(ordered)
        let attempts = DeploymentOrder.attempts(primary: ordered(model), retries: settings.numRetries, fallbacks: fallbacks)
        return attempts.compactMap { table.adaptersByID[$0.id] }
    }

    private func begin(_ id: String) {
        state.withLock { $0.inFlight[id, default: 0] += 1 }
    }

    private func end(_ id: String, failed: Bool, _ settings: RouterSettings) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.inFlight[id, default: 1] -= 1
            guard failed else { return }
            var recent = (state.failures[id] ?? []).filter { now - $0 < .seconds(60) }
            recent.append(now)
            if recent.count >= settings.allowedFails {
                state.cooldownUntil[id] = now + .milliseconds(Int(saturating: settings.cooldownSeconds * 1000))
                recent.removeAll()
            }
            state.failures[id] = recent
        }
    }
}
