public import GatehouseCore
import Synchronization

/// Maps a public model name to its deployments and runs a request against them: balancing,
/// retrying elsewhere on a retryable failure, cooling down failing deployments, falling back.
public final class ModelRouter: Sendable {
    /// The models and how they are routed: replaced whole when the configuration is reloaded, read
    /// once per request (a request keeps the table it started with).
    final class Table: Sendable {
        let settings: RouterSettings
        /// Deployments by public model name (patterns included, under their own text).
        let adapters: [String: [ProviderAdapter]]
        let adaptersByID: [String: ProviderAdapter]
        let groups: [String: [String]]
        /// The wildcard entries, most specific first: tried, in order, for a name no model has.
        let patterns: [(pattern: ModelPattern, adapters: [ProviderAdapter])]
        /// The public model names (no patterns), sorted.
        let names: [String]
        /// Model names owned by a team (`model_info.team_id`): only its credentials reach them.
        let owners: [String: String]
        /// What `/v1/models` lists: the names, then the aliases not hidden, then the catalogue's
        /// models reached through each pattern.
        let listed: [String]

        init(adapters: [ProviderAdapter], settings: RouterSettings) {
            self.adapters = Dictionary(grouping: adapters, by: \.deployment.modelName)
            self.adaptersByID = Dictionary(adapters.map { ($0.deployment.id, $0) }, uniquingKeysWith: { first, _ in first })
            self.groups = self.adapters.mapValues { Array(Set($0.flatMap(\.deployment.accessGroups))).sorted() }
            self.settings = settings
            self.patterns = self.adapters.filter { ModelPattern.isPattern($0.key) }.map { (ModelPattern($0.key), $0.value) }
                .sorted { ModelPattern.moreSpecific($0.pattern, $1.pattern) }
            self.names = self.adapters.keys.filter { !ModelPattern.isPattern($0) }.sorted()
            let owners = self.adapters.compactMapValues { $0.compactMap { $0.deployment.info["team_id"]?.stringValue }.first }
            self.owners = owners
            var listed = names.filter { owners[$0] == nil }
            listed += settings.aliases.filter { !$0.value.hidden && !ModelPattern.isPattern($0.key) }.keys.sorted()
            for (pattern, adapters) in patterns {
                listed += adapters.flatMap { Self.catalogueNames(through: pattern, $0.deployment) }.sorted()
            }
            var seen: Set<String> = []
            self.listed = listed.filter { seen.insert($0).inserted }
        }

        /// The catalogue's models of a pattern's deployment, by the names that reach them (`*` with
        /// `openai/*`: `gpt-4o`; `anthropic/*`: `anthropic/claude-sonnet-4-0`). Only a deployment
        /// on the provider's own API: what another host serves under `openai/*` is not known.
        static func catalogueNames(through pattern: ModelPattern, _ deployment: Deployment) -> [String] {
            let upstream = ModelPattern(deployment.upstreamModel)
            guard pattern.stars == 1, upstream.stars == 1, deployment.isOnProvidersOwnAPI,
                let models = ModelPrices.catalogue[deployment.provider]
            else { return [] }
            return models.compactMap { model in
                upstream.captures(model).map { ModelPattern.substitute($0, into: pattern.text, name: model) }
            }
        }

        /// The deployments serving a requested name: a model's own; an alias's model's; or those of
        /// the first pattern that matches, each sending the upstream the name with the pattern's
        /// stars filled in (`anthropic/*` → `anthropic/*`: `anthropic/claude-x` asks for `claude-x`).
        func resolve(_ model: String) -> Route? {
            if let own = adapters[model] { return Route(group: model, adapters: own) }
            if let alias = settings.aliases[model], alias.model != model { return resolveName(alias.model) }
            return resolveName(model)
        }

        private func resolveName(_ model: String) -> Route? {
            if let own = adapters[model] { return Route(group: model, adapters: own) }
            for (pattern, candidates) in patterns {
                guard let captures = pattern.captures(model) else { continue }
                let routed = candidates.map { adapter in
                    adapter.routed(to: ModelPattern.substitute(captures, into: adapter.deployment.upstreamModel, name: model))
                }
                return Route(group: pattern.text, adapters: routed)
            }
            return nil
        }

        func deployments(of model: String) -> [Deployment] { resolve(model)?.adapters.map(\.deployment) ?? [] }
    }

    /// What a requested name is served by: the `model_list` name or pattern (`group`, whose access
    /// groups and limits apply) and its deployments, ready to call.
    struct Route: Sendable {
        let group: String
        let adapters: [ProviderAdapter]
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

    /// Public model names, sorted: not the patterns, nor the aliases.
    public var modelNames: [String] { current.names }

    /// What `/v1/models` offers (before the caller's access is applied): never a pattern itself.
    public var listedNames: [String] { current.listed }

    /// The `model_list` entries whose name is a pattern, most specific first.
    public var patterns: [String] { current.patterns.map(\.pattern.text) }

    /// The deployments a requested name reaches (through an alias or a pattern too), each with the
    /// upstream model it would be asked for.
    public func deployments(of model: String) -> [Deployment] { current.deployments(of: model) }

    /// Every `model_list` entry, patterns included, as configured.
    public var allDeployments: [Deployment] { current.adaptersByID.values.map(\.deployment).sorted { $0.id < $1.id } }

    /// The deployments resting after failures now (what the console's models page shows).
    public var coolingDown: Set<String> {
        let now = ContinuousClock.now
        return state.withLock { Set($0.cooldownUntil.filter { $0.value > now }.keys) }
    }

    public func hasModel(_ model: String) -> Bool { current.resolve(model) != nil }

    /// Whether a caller may reach a model at all: a team's own model (`model_info.team_id`) is
    /// reached by that team's credentials and proxy admins only; to anyone else it does not exist.
    public func isReachable(_ model: String, by principal: Principal) -> Bool {
        let table = current
        guard let group = table.resolve(model)?.group, let owner = table.owners[group] else { return true }
        return owner == principal.teamID || principal.role == .proxyAdmin
    }

    /// A deployment as an active health check calls it: as configured, or, for a pattern, asking
    /// for its `model_info.health_check_model` (nil without one: a pattern names no model).
    public func probeAdapter(id: String) -> ProviderAdapter? {
        let table = current
        guard let adapter = table.adaptersByID[id] else { return nil }
        guard adapter.deployment.isWildcard else { return adapter }
        guard let model = adapter.deployment.info["health_check_model"]?.stringValue else { return nil }
        return table.resolve(model)?.adapters.first { $0.deployment.id == id }
    }

    /// The deployments serving a requested name, ready to call (for calls outside `run`).
    public func adapters(of model: String) -> [ProviderAdapter] { current.resolve(model)?.adapters ?? [] }

    /// The `model_list` name or pattern that serves a requested name, if any.
    public func group(of model: String) -> String? { current.resolve(model)?.group }

    /// The `model_info.access_groups` of the deployments serving a requested name.
    public func accessGroups(of model: String) -> [String] {
        let table = current
        if let own = table.groups[model] { return own }
        return table.resolve(model).flatMap { table.groups[$0.group] } ?? []
    }

    /// Every `model_info.access_groups` name, sorted.
    public var accessGroupNames: [String] { Array(Set(current.groups.values.joined())).sorted() }

    /// The public model names whose deployments belong to access group `group`, sorted.
    public func models(inAccessGroup group: String) -> [String] {
        current.groups.filter { $0.value.contains(group) }.keys.sorted()
    }

    /// Runs `attempt` on deployments in routing order until one succeeds.
    /// - Throws: the first non-retryable error, or the last `AttemptFailure` as a `GatewayError`.
    /// - Parameters:
    ///   - region: only deployments with this `region_name` are tried (fallbacks' too); nil: any.
    ///   - mayUse: whether the caller may use a model: fallbacks it may not use are skipped (a
    ///     fallback is another model, and access is checked for every model tried).
    public func run<T: Sendable>(
        model: String, region: String? = nil, mayUse: (String) -> Bool = { _ in true }, _ attempt: (ProviderAdapter) async throws -> T
    ) async throws -> T {
        let table = current
        guard table.resolve(model) != nil else { throw GatewayError.modelNotFound(model) }
        let settings = table.settings
        let plan = self.plan(for: model, in: table, region: region, mayUse: mayUse)
        var lastFailure: AttemptFailure?
        for (index, adapter) in plan.enumerated() {
            let id = adapter.deployment.id
            // A plan is a few attempts long: looked through, not hashed into a set, which the
            // first attempt (nearly always the only one) would allocate.
            if plan[..<index].contains(where: { $0.deployment.id == id }) {
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

    func plan(for model: String) -> [ProviderAdapter] { plan(for: model, in: current, region: nil, mayUse: { _ in true }) }

    /// Whether a deployment of the model (not its fallbacks) has `region_name` `region`.
    public func serves(_ model: String, inRegion region: String) -> Bool {
        current.resolve(model)?.adapters.contains { $0.deployment.region == region } ?? false
    }

    private func plan(for model: String, in table: Table, region: String?, mayUse: (String) -> Bool) -> [ProviderAdapter] {
        let settings = table.settings
        let now = ContinuousClock.now
        let (inFlight, cooled, rotation) = state.withLock { state -> ([String: Int], Set<String>, Int) in
            state.rotation &+= 1
            let cooled = Set(state.cooldownUntil.filter { $0.value > now }.keys)
            return (state.inFlight, cooled, state.rotation)
        }
        var random = SystemRandomNumberGenerator()
        func ordered(_ adapters: [ProviderAdapter]) -> [ProviderAdapter] {
            DeploymentOrder.order(
                region.map { region in adapters.filter { $0.deployment.region == region } } ?? adapters, id: \.deployment.id,
                strategy: settings.strategy, inFlight: inFlight, cooledDown: cooled, rotation: rotation,
                random: &random)
        }
        guard let route = table.resolve(model) else { return [] }
        let primary = ordered(route.adapters)
        let fallbacks = (settings.fallbacks[model] ?? settings.fallbacks[route.group] ?? [])
            .filter { $0 != model && mayUse($0) }
            .map { ordered(table.resolve($0)?.adapters ?? []) }
        // A deployment's own `num_retries` replaces the router's (the largest, when its model's
        // deployments disagree).
        let retries = route.adapters.compactMap(\.deployment.numRetries).max() ?? settings.numRetries
        return DeploymentOrder.attempts(primary: primary, retries: retries, fallbacks: fallbacks)
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
