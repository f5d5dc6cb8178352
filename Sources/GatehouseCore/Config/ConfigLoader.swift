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
                node, at: "general_settings", known: ["master_key", "database_url", "allowed_ips"], ignored: Keys.generalIgnored)
            // LiteLLM's name for the global allowlist; the same as `gatehouse_settings.allowed_ips`.
            config.server.allowedIPs += try ListenerParser.networks(general["allowed_ips"], at: "general_settings.allowed_ips", reader: &reader)
            if let url = try reader.string(general["database_url"], at: "general_settings.database_url") {
                guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                    throw reader.error(
                        "general_settings.database_url", general["database_url"], "must be a postgres:// URL (leave it out for the SQLite default)")
                }
                config.databaseURL = url
            }
            if let key = try reader.string(general["master_key"], at: "general_settings.master_key") {
                if let problem = MasterKeyPolicy.problem(with: key) {
                    throw reader.error("general_settings.master_key", general["master_key"], problem)
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
            config.models.append(try DeploymentParser.parse(entry, index: index, reader: &reader))
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
        try validate(config, root: root, reader: reader)
        if config.server.unpricedModels == .free {
            for model in ModelPrices.unpriced(config.models) {
                reader.warn(
                    "model_list",
                    "model `\(model)` has no price (input_cost_per_token, output_cost_per_token or a built-in one): "
                        + "it costs nothing under every budget; `unpriced_models: refuse` refuses it to callers with a budget")
            }
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

    private static func readServer(_ node: Node, reader: inout ConfigReader) throws -> ServerSettings {
        let p = "gatehouse_settings"
        let f = try reader.fields(node, at: p, known: Keys.server)
        var s = ServerSettings()
        s.host = try reader.string(f["host"], at: "\(p).host") ?? s.host
        s.port = try reader.int(f["port"], at: "\(p).port", range: 0...65535) ?? s.port
        s.dataDirectory = try reader.string(f["data_dir"], at: "\(p).data_dir") ?? s.dataDirectory
        s.maxRequestBodyBytes =
            try reader.int(f["max_request_body_bytes"], at: "\(p).max_request_body_bytes", range: 1024...(1 << 30)) ?? s.maxRequestBodyBytes
        s.maxHeaderBytes = try reader.int(f["max_header_bytes"], at: "\(p).max_header_bytes", range: 1024...(1 << 20)) ?? s.maxHeaderBytes
        s.maxHeaderCount = try reader.int(f["max_header_count"], at: "\(p).max_header_count", range: 8...10_000) ?? s.maxHeaderCount
        s.shutdownGraceSeconds = try reader.double(f["shutdown_grace_seconds"], at: "\(p).shutdown_grace_seconds") ?? s.shutdownGraceSeconds
        s.connectTimeout = try reader.double(f["connect_timeout"], at: "\(p).connect_timeout", minimum: 0.001) ?? s.connectTimeout
        s.firstByteTimeout = try reader.double(f["first_byte_timeout"], at: "\(p).first_byte_timeout", minimum: 0.001) ?? s.firstByteTimeout
        s.streamIdleTimeout = try reader.double(f["stream_idle_timeout"], at: "\(p).stream_idle_timeout", minimum: 0.001) ?? s.streamIdleTimeout
        s.requestTimeout = try reader.double(f["request_timeout"], at: "\(p).request_timeout", minimum: 0.001) ?? s.requestTimeout
        s.clientBodyTimeout = try reader.double(f["client_body_timeout"], at: "\(p).client_body_timeout", minimum: 0.001) ?? s.clientBodyTimeout
        s.clientIdleTimeout = try reader.double(f["client_idle_timeout"], at: "\(p).client_idle_timeout", minimum: 1) ?? s.clientIdleTimeout
        s.allowKeyInQuery = try reader.bool(f["allow_key_in_query"], at: "\(p).allow_key_in_query") ?? s.allowKeyInQuery
        s.oauth.issuer = try JWTIssuerParser.url(f["oauth_issuer"], at: "\(p).oauth_issuer", reader: reader)
        s.oauth.tokenLifetimeSeconds =
            try reader.double(f["oauth_token_lifetime_seconds"], at: "\(p).oauth_token_lifetime_seconds", minimum: 1) ?? s.oauth.tokenLifetimeSeconds
        if let name = try reader.string(f["oauth_signing_algorithm"], at: "\(p).oauth_signing_algorithm") {
            guard let algorithm = OAuthServerSettings.Algorithm(rawValue: name) else {
                throw reader.error("\(p).oauth_signing_algorithm", f["oauth_signing_algorithm"], "must be ES256 or EdDSA")
            }
            s.oauth.algorithm = algorithm
        }
        if let days = try reader.double(f["oauth_key_rotation_days"], at: "\(p).oauth_key_rotation_days", minimum: 1) {
            s.oauth.keyRotationSeconds = days * 86_400
        }
        if let zone = try reader.string(f["time_zone"], at: "\(p).time_zone") {
            guard TimeZone(identifier: zone) != nil else {
                throw reader.error("\(p).time_zone", f["time_zone"], "must be an IANA time zone such as UTC or Europe/Berlin")
            }
            s.timeZone = zone
        }
        s.defaultMaxTokens = try reader.int(f["default_max_tokens"], at: "\(p).default_max_tokens", range: 1...10_000_000) ?? s.defaultMaxTokens
        s.alertWebhookURL = try JWTIssuerParser.url(f["alert_webhook_url"], at: "\(p).alert_webhook_url", reader: reader)
        s.spendFlushIntervalSeconds =
            try reader.double(f["spend_flush_interval_seconds"], at: "\(p).spend_flush_interval_seconds", minimum: 0.01)
            ?? s.spendFlushIntervalSeconds
        s.storeTimeoutSeconds =
            try reader.double(f["store_timeout_seconds"], at: "\(p).store_timeout_seconds", minimum: 0.01) ?? s.storeTimeoutSeconds
        s.tls = try ListenerParser.tls(f, at: p, reader: &reader)
        if let node = f["management_listener"] {
            s.managementListener = try ListenerParser.listener(node, at: "\(p).management_listener", mainPort: s.port, reader: &reader)
        }
        if let kind = try reader.string(f["tls_client_identity"], at: "\(p).tls_client_identity") {
            guard let known = ClientCertificate.IdentityKind(rawValue: kind) else {
                throw reader.error(
                    "\(p).tls_client_identity", f["tls_client_identity"],
                    "must be one of \(ClientCertificate.IdentityKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.clientCertificateIdentity = known
        }
        s.trustedProxies = try ListenerParser.networks(f["trusted_proxies"], at: "\(p).trusted_proxies", reader: &reader)
        if let header = try reader.string(f["forwarded_header"], at: "\(p).forwarded_header") {
            guard let known = ForwardedFor.Header(rawValue: header.lowercased()) else {
                throw reader.error("\(p).forwarded_header", f["forwarded_header"], "must be x-forwarded-for or forwarded")
            }
            s.forwardedHeader = known
        }
        s.allowedIPs = try ListenerParser.networks(f["allowed_ips"], at: "\(p).allowed_ips", reader: &reader)
        s.managementAllowedIPs = try ListenerParser.networks(f["management_allowed_ips"], at: "\(p).management_allowed_ips", reader: &reader)
        if let node = f["certificate_routes"] {
            for (route, policy) in try reader.orderedStringMap(node, at: "\(p).certificate_routes") {
                guard let known = ServerSettings.CertificatePolicy(rawValue: policy) else {
                    throw reader.error("\(p).certificate_routes.\(route)", node, "must be any, certificate or certificate_and_key")
                }
                s.certificateRoutes.append(.init(route: route, policy: known))
            }
        }
        if let header = try reader.string(f["client_cert_header"], at: "\(p).client_cert_header") {
            s.clientCertificateHeader = header.lowercased()
        }
        s.tlsReloadCheckSeconds =
            try reader.double(f["tls_reload_check_seconds"], at: "\(p).tls_reload_check_seconds", minimum: 0.05) ?? s.tlsReloadCheckSeconds
        s.auditStreams = try reader.stringOrList(f["audit_streams"], at: "\(p).audit_streams") ?? []
        for destination in s.auditStreams
        where destination != "stdout" && !destination.hasPrefix("/") && !destination.hasPrefix("http://")
            && !destination.hasPrefix("https://")
        {
            throw reader.error("\(p).audit_streams", f["audit_streams"], "`\(destination)` must be stdout, an absolute file path or an http(s) URL")
        }
        if s.auditStreams.filter({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }).count > 1 {
            throw reader.error("\(p).audit_streams", f["audit_streams"], "one webhook at most")
        }
        if let format = try reader.string(f["log_format"], at: "\(p).log_format") {
            guard let known = ServerSettings.LogFormat(rawValue: format) else {
                throw reader.error("\(p).log_format", f["log_format"], "must be text or json")
            }
            s.logFormat = known
        }
        if let destination = try reader.string(f["log_destination"], at: "\(p).log_destination") {
            guard ["stdout", "stderr"].contains(destination) || destination.hasPrefix("/") else {
                throw reader.error("\(p).log_destination", f["log_destination"], "must be stderr, stdout or an absolute file path")
            }
            s.logDestination = destination
        }
        if let destination = try reader.string(f["access_log"], at: "\(p).access_log"), destination != "off" {
            guard ["stdout", "stderr"].contains(destination) || destination.hasPrefix("/") else {
                throw reader.error("\(p).access_log", f["access_log"], "must be off, stdout, stderr or an absolute file path")
            }
            s.accessLog = destination
        }
        s.lockoutFailures = try reader.int(f["lockout_failures"], at: "\(p).lockout_failures", range: 1...10_000) ?? s.lockoutFailures
        s.lockoutAddressFailures =
            try reader.int(f["lockout_address_failures"], at: "\(p).lockout_address_failures", range: 1...1_000_000) ?? s.lockoutAddressFailures
        s.lockoutWindowSeconds =
            try reader.double(f["lockout_window_seconds"], at: "\(p).lockout_window_seconds", minimum: 1) ?? s.lockoutWindowSeconds
        s.lockoutSeconds = try reader.double(f["lockout_seconds"], at: "\(p).lockout_seconds", minimum: 1) ?? s.lockoutSeconds
        s.lockoutMaxSeconds = try reader.double(f["lockout_max_seconds"], at: "\(p).lockout_max_seconds", minimum: 1) ?? s.lockoutMaxSeconds
        s.sessionLifetimeSeconds =
            try reader.double(f["session_lifetime_seconds"], at: "\(p).session_lifetime_seconds", minimum: 60) ?? s.sessionLifetimeSeconds
        s.sessionIdleSeconds = try reader.double(f["session_idle_seconds"], at: "\(p).session_idle_seconds", minimum: 60) ?? s.sessionIdleSeconds
        s.sessionCookieSecure = try reader.bool(f["session_cookie_secure"], at: "\(p).session_cookie_secure")
        s.passwordHashCost = try reader.int(f["password_hash_cost"], at: "\(p).password_hash_cost", range: 4...16) ?? s.passwordHashCost
        s.metricsEnabled = try reader.bool(f["metrics"], at: "\(p).metrics") ?? s.metricsEnabled
        s.metricsPublic = try reader.bool(f["metrics_public"], at: "\(p).metrics_public") ?? s.metricsPublic
        s.metricsKeyAliases = try reader.stringOrList(f["metrics_key_aliases"], at: "\(p).metrics_key_aliases") ?? []
        s.auditFlushIntervalSeconds =
            try reader.double(f["audit_flush_interval_seconds"], at: "\(p).audit_flush_interval_seconds", minimum: 0.01)
            ?? s.auditFlushIntervalSeconds
        if let node = f["end_user_limits"] { s.endUserLimits = try readLimits(node, at: "\(p).end_user_limits", reader: &reader) }
        s.rateLimitSyncSeconds =
            try reader.double(f["rate_limit_sync_seconds"], at: "\(p).rate_limit_sync_seconds", minimum: 0.05) ?? s.rateLimitSyncSeconds
        if let policy = try reader.string(f["rate_limit_store_policy"], at: "\(p).rate_limit_store_policy") {
            guard let known = ServerSettings.RateLimitStorePolicy(rawValue: policy) else {
                throw reader.error("\(p).rate_limit_store_policy", f["rate_limit_store_policy"], "must be local or closed")
            }
            s.rateLimitStorePolicy = known
        }
        if let policy = try reader.string(f["unpriced_models"], at: "\(p).unpriced_models") {
            guard let known = ServerSettings.UnpricedModelPolicy(rawValue: policy) else {
                throw reader.error("\(p).unpriced_models", f["unpriced_models"], "must be free or refuse")
            }
            s.unpricedModels = known
        }
        if let level = try reader.string(f["log_level"], at: "\(p).log_level") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else {
                throw reader.error("\(p).log_level", f["log_level"], "must be one of \(levels.joined(separator: ", "))")
            }
            s.logLevel = level
        }
        if let file = try reader.string(f["upstream_ca_file"], at: "\(p).upstream_ca_file") {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw reader.error("\(p).upstream_ca_file", f["upstream_ca_file"], "cannot read `\(file)`")
            }
            s.upstreamCAFile = file
        }
        if let client = try reader.string(f["upstream_client"], at: "\(p).upstream_client") {
            guard let known = ServerSettings.UpstreamClient(rawValue: client) else {
                let names = ServerSettings.UpstreamClient.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error("\(p).upstream_client", f["upstream_client"], "must be one of \(names)")
            }
            s.upstreamClient = known
        }
        return s
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
        for (model, fallbacks) in config.router.fallbacks {
            for fallback in fallbacks where !names.contains(fallback) {
                throw reader.error("router_settings.fallbacks.\(model)", root, "fallback model `\(fallback)` is not in model_list")
            }
        }
        var seen: Set<String> = []
        for deployment in config.models where !seen.insert(deployment.id).inserted {
            throw reader.error("model_list", root, "two deployments share model_info.id `\(deployment.id)`")
        }
    }
}
