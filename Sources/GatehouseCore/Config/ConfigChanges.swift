/// What a reloaded configuration changes against the running one. The models and their routing
/// (`model_list`, `router_settings`) apply at once; every other section only at the next start.
public struct ConfigChanges: Sendable, Equatable {
    /// Public model names that appear, disappear, or whose deployments differ.
    public var modelsAdded: [String] = []
    public var modelsRemoved: [String] = []
    public var modelsChanged: [String] = []
    public var routerChanged = false
    /// Sections that differ but take effect only when Gatehouse restarts.
    public var needsRestart: [String] = []

    public init(from old: GatehouseConfig, to new: GatehouseConfig) {
        let before = Dictionary(grouping: old.models, by: \.modelName)
        let after = Dictionary(grouping: new.models, by: \.modelName)
        modelsAdded = after.keys.filter { before[$0] == nil }.sorted()
        modelsRemoved = before.keys.filter { after[$0] == nil }.sorted()
        modelsChanged = after.keys.filter { name in before[name].map { $0 != after[name] } ?? false }.sorted()
        routerChanged = old.router != new.router
        let sections: [(String, Bool)] = [
            ("gatehouse_settings", old.server != new.server),
            ("general_settings.master_key", old.masterKey != new.masterKey),
            ("general_settings.database_url", old.databaseURL != new.databaseURL),
            ("jwt_issuers", old.jwtIssuers != new.jwtIssuers),
            ("sso", old.sso != new.sso),
            ("oauth_introspection", old.introspection != new.introspection),
        ]
        needsRestart = sections.filter(\.1).map(\.0)
    }

    /// Whether the models or their routing change (what a reload applies).
    public var changesModels: Bool { !modelsAdded.isEmpty || !modelsRemoved.isEmpty || !modelsChanged.isEmpty || routerChanged }

    public var isEmpty: Bool { !changesModels && needsRestart.isEmpty }

    /// The same running configuration with what a reload applies taken from `new`.
    public static func applied(_ new: GatehouseConfig, to running: GatehouseConfig) -> GatehouseConfig {
        var config = running
        config.models = new.models
        config.router = new.router
        return config
    }
}
