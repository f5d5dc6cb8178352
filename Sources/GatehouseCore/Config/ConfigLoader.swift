import Foundation
import Yams

/// Parses a LiteLLM-compatible YAML file into a validated `GatehouseConfig`.
public enum ConfigLoader {
    public struct Result: Sendable {
        public var config: GatehouseConfig
        /// One line per accepted-but-unimplemented LiteLLM setting.
        public var warnings: [String]

        public init(config: GatehouseConfig, warnings: [String]) {
            self.config = config
            self.warnings = warnings
        }
    }

    public static func load(yaml: String, file: String, environment: [String: String]) throws -> Result {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                return Result(config: GatehouseConfig(), warnings: [])
            }
            root = node
        } catch let error as YamlError {
            throw ConfigError(file: file, path: "", message: "invalid YAML: \(error)")
        }
        // LiteLLM's `environment_variables` are visible to `os.environ/` references.
        var environment = environment
        if case .mapping(let mapping) = root, let node = mapping.first(where: { $0.key.string == "environment_variables" })?.value {
            let variables = try ConfigReader(file: file, environment: environment).stringMap(node, at: "environment_variables") ?? [:]
            environment.merge(variables) { current, _ in current }
        }
        var reader = ConfigReader(file: file, environment: environment)
        let top = try reader.fields(root, at: "", known: Keys.top, ignored: Keys.topIgnored)

        var config = GatehouseConfig()
        if let node = top["gatehouse_settings"] {
            config.server = try readServer(node, reader: &reader)
        }
        if let node = top["general_settings"] {
            let general = try reader.fields(
                node, at: "general_settings", known: ["master_key", "database_url", "allowed_ips", "disable_auto_add_proxy_admin_to_teams"],
                ignored: Keys.generalIgnored)
            if let disabled = try reader.bool(
                general["disable_auto_add_proxy_admin_to_teams"], at: "general_settings.disable_auto_add_proxy_admin_to_teams")
            {
                config.server.identity.addTeamCreatorAsAdmin = !disabled
            }
            // LiteLLM's name for the global allowlist; the same as `gatehouse_settings.allowed_ips`.
            config.server.network.allowedIPs += try ListenerParser.networks(
                general["allowed_ips"], at: "general_settings.allowed_ips", reader: &reader)
            if let url = try reader.string(general["database_url"], at: "general_settings.database_url") {
                guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                    throw reader.error(
                        "general_settings.database_url", general["database_url"], "must be a postgres:// URL (leave it out for the SQLite default)")
                }
                config.databaseURL = url
            }
            if let key = try reader.string(general["master_key"], at: "general_settings.master_key") {
                if let problem = MasterKeyPolicy.problem(with: key) {
                    guard config.server.identity.allowWeakMasterKey else {
                        throw reader.error(
                            "general_settings.master_key", general["master_key"],
                            "\(problem) (`gatehouse_settings.allow_weak_master_key: true` accepts it, as LiteLLM does)")
                    }
                    reader.warn("general_settings.master_key", "\(problem); accepted because allow_weak_master_key is on")
                }
                config.masterKey = key
            }
        }
        if let node = top["litellm_settings"] {
            try readLiteLLMSettings(node, into: &config.router, reader: &reader)
        }
        if let node = top["router_settings"] {
            try readRouterSettings(node, into: &config.router, reader: &reader)
        }
        let entries = try reader.sequence(top["model_list"], at: "model_list")
        for (index, entry) in entries.enumerated() {
            if let deployment = try DeploymentParser.parse(entry, index: index, reader: &reader) { config.models.append(deployment) }
        }
        for (index, entry) in try reader.sequence(top["jwt_issuers"], at: "jwt_issuers").enumerated() {
            let issuer = try JWTIssuerParser.parse(entry, index: index, reader: &reader)
            guard !config.jwtIssuers.contains(where: { $0.issuer == issuer.issuer }) else {
                throw reader.error("jwt_issuers[\(index)].issuer", entry, "`\(issuer.issuer)` is configured twice")
            }
            config.jwtIssuers.append(issuer)
        }
        for (index, entry) in try reader.sequence(top["oauth_introspection"], at: "oauth_introspection").enumerated() {
            config.introspection.append(try IntrospectionParser.parse(entry, index: index, reader: &reader))
        }
        for (index, entry) in try reader.sequence(top["sso"], at: "sso").enumerated() {
            let provider = try SSOProviderParser.parse(entry, index: index, reader: &reader)
            guard !config.sso.contains(where: { $0.name == provider.name }) else {
                throw reader.error("sso[\(index)].name", entry, "`\(provider.name)` is configured twice")
            }
            config.sso.append(provider)
        }
        try validate(config, root: root, reader: reader)
        if config.server.metering.unpricedModels == .free {
            for model in ModelPrices.unpriced(config.models.filter { !$0.isWildcard }) {
                reader.warn(
                    "model_list",
                    "model `\(model)` has no price (input_cost_per_token, output_cost_per_token or a built-in one): "
                        + "it costs nothing under every budget; `unpriced_models: refuse` refuses it to callers with a budget")
            }
        }
        for deployment in config.models where deployment.isWildcard && ModelPrices.price(for: deployment) == nil && deployment.provider != .mock {
            reader.warn(
                "model_list",
                "pattern `\(deployment.modelName)` has no price of its own: a request through it is priced at the built-in price of the "
                    + "model it asks for, and costs nothing when there is none (`unpriced_models: refuse` refuses those to callers with a budget)")
        }
        return Result(config: config, warnings: reader.warnings)
    }

    /// A set of limits in the management API's terms (`rpm_limit`, `max_budget`…).
    static func readLimits(_ node: Node, at p: String, reader: inout ConfigReader) throws -> Limits {
        let f = try reader.fields(
            node, at: p,
            known: ["max_budget", "soft_budget", "budget_duration", "rpm_limit", "tpm_limit", "rpd_limit", "tpd_limit", "max_parallel_requests"])
        var limits = Limits()
        limits.maxBudget = try reader.double(f["max_budget"], at: "\(p).max_budget")
        limits.softBudget = try reader.double(f["soft_budget"], at: "\(p).soft_budget")
        if let duration = try reader.string(f["budget_duration"], at: "\(p).budget_duration") {
            guard BudgetPeriod(duration) != nil else {
                throw reader.error("\(p).budget_duration", f["budget_duration"], "must look like 30s, 15m, 1h, 1d, 7d, 2w or 1mo")
            }
            limits.budgetDuration = duration
        }
        limits.rpmLimit = try reader.int(f["rpm_limit"], at: "\(p).rpm_limit", range: 0...Int.max)
        limits.tpmLimit = try reader.int(f["tpm_limit"], at: "\(p).tpm_limit", range: 0...Int.max)
        limits.rpdLimit = try reader.int(f["rpd_limit"], at: "\(p).rpd_limit", range: 0...Int.max)
        limits.tpdLimit = try reader.int(f["tpd_limit"], at: "\(p).tpd_limit", range: 0...Int.max)
        limits.maxParallelRequests = try reader.int(f["max_parallel_requests"], at: "\(p).max_parallel_requests", range: 0...Int.max)
        return limits
    }

    /// `gatehouse_settings`, key by key as `ServerSettings.sections` declares them.
    private static func readServer(_ node: Node, reader: inout ConfigReader) throws -> ServerSettings {
        let path = "gatehouse_settings"
        let keys = ServerSettings.keys
        let fields = try reader.fields(node, at: path, known: keys.map(\.name))
        var settings = ServerSettings()
        for key in keys { try key.read(fields, path, &reader, &settings) }
        return settings
    }

    private static func readLiteLLMSettings(_ node: Node, into router: inout RouterSettings, reader: inout ConfigReader) throws {
        let p = "litellm_settings"
        let f = try reader.fields(node, at: p, known: ["num_retries", "request_timeout", "fallbacks"], ignored: Keys.litellmIgnored)
        router.numRetries = try reader.int(f["num_retries"], at: "\(p).num_retries", range: 0...10) ?? router.numRetries
        if f["request_timeout"] != nil {
            reader.warn("\(p).request_timeout", "use gatehouse_settings.request_timeout; ignored")
        }
        if let fallbacks = try readFallbacks(f["fallbacks"], at: "\(p).fallbacks", reader: reader) {
            router.fallbacks.merge(fallbacks) { _, new in new }
        }
    }

    private static func readRouterSettings(_ node: Node, into router: inout RouterSettings, reader: inout ConfigReader) throws {
        let p = "router_settings"
        let f = try reader.fields(node, at: p, known: Keys.router, ignored: Keys.routerIgnored)
        if let strategy = try reader.string(f["routing_strategy"], at: "\(p).routing_strategy") {
            if let known = RouterSettings.Strategy(rawValue: strategy) {
                router.strategy = known
            } else if Keys.liteLLMStrategies.contains(strategy) {
                reader.warn("\(p).routing_strategy", "`\(strategy)` is not implemented by Gatehouse; using simple-shuffle")
            } else {
                let names = RouterSettings.Strategy.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error("\(p).routing_strategy", f["routing_strategy"], "unknown strategy `\(strategy)` (one of \(names))")
            }
        }
        router.numRetries = try reader.int(f["num_retries"], at: "\(p).num_retries", range: 0...10) ?? router.numRetries
        router.retryBackoff = try reader.double(f["retry_after"], at: "\(p).retry_after") ?? router.retryBackoff
        router.allowedFails = try reader.int(f["allowed_fails"], at: "\(p).allowed_fails", range: 1...1000) ?? router.allowedFails
        router.cooldownSeconds = try reader.double(f["cooldown_time"], at: "\(p).cooldown_time") ?? router.cooldownSeconds
        if let fallbacks = try readFallbacks(f["fallbacks"], at: "\(p).fallbacks", reader: reader) {
            router.fallbacks.merge(fallbacks) { _, new in new }
        }
        router.aliases = try readAliases(f["model_group_alias"], at: "\(p).model_group_alias", reader: reader)
    }

    /// LiteLLM's `model_group_alias`: `{alias: model}` or `{alias: {model: m, hidden: true}}`.
    private static func readAliases(_ node: Node?, at path: String, reader: ConfigReader) throws -> [String: RouterSettings.Alias] {
        guard let node else { return [:] }
        guard case .mapping(let mapping) = node else { throw reader.error(path, node, "expected a mapping of alias to model name") }
        var aliases: [String: RouterSettings.Alias] = [:]
        for (key, value) in mapping {
            guard let alias = key.string else { throw reader.error(path, key, "aliases must be strings") }
            let p = "\(path).\(alias)"
            if case .mapping = value {
                var inner = reader
                let f = try inner.fields(value, at: p, known: ["model", "hidden"])
                let model = try reader.requiredString(f["model"], at: "\(p).model", parent: value)
                aliases[alias] = .init(model: model, hidden: try reader.bool(f["hidden"], at: "\(p).hidden") ?? false)
            } else {
                aliases[alias] = .init(model: try reader.requiredString(value, at: p, parent: node), hidden: false)
            }
        }
        return aliases
    }

    /// LiteLLM's shape: `[{"gpt-4o": ["gpt-4o-mini", "claude"]}]`.
    private static func readFallbacks(_ node: Node?, at path: String, reader: ConfigReader) throws -> [String: [String]]? {
        guard let node else { return nil }
        var result: [String: [String]] = [:]
        for (index, item) in try reader.sequence(node, at: path).enumerated() {
            guard case .mapping(let mapping) = item else {
                throw reader.error("\(path)[\(index)]", item, "expected a mapping of model name to a list of fallback models")
            }
            for (key, value) in mapping {
                guard let model = key.string else { throw reader.error("\(path)[\(index)]", key, "model names must be strings") }
                result[model] = try reader.stringList(value, at: "\(path)[\(index)].\(model)") ?? []
            }
        }
        return result
    }

    private static func validate(_ config: GatehouseConfig, root: Node, reader: ConfigReader) throws {
        let names = Set(config.models.map(\.modelName))
        let patterns = config.models.filter(\.isWildcard).map { ModelPattern($0.modelName) }
        for (model, fallbacks) in config.router.fallbacks {
            for fallback in fallbacks where !config.router.serves(fallback, names: names, patterns: patterns) {
                throw reader.error("router_settings.fallbacks.\(model)", root, "fallback model `\(fallback)` is not in model_list")
            }
        }
        for (alias, target) in config.router.aliases where !config.router.serves(target.model, names: names, patterns: patterns) {
            throw reader.error("router_settings.model_group_alias.\(alias)", root, "model `\(target.model)` is not in model_list")
        }
        var seen: Set<String> = []
        for deployment in config.models where !seen.insert(deployment.id).inserted {
            throw reader.error("model_list", root, "two deployments share model_info.id `\(deployment.id)`")
        }
    }
}
