/// Logs, the access log and metrics.
public struct ObservabilitySettings: Sendable, Equatable {
    public enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public var logLevel: LogLevel = .info
    /// `text` (swift-log's lines) or `json` (one object per line).
    public var logFormat: LogFormat = .text
    /// Where the log goes: `stderr`, `stdout` or a file.
    public var logDestination = "stderr"
    /// Where each request's JSON access line goes: `stdout`, `stderr` or a file; nil: nowhere.
    public var accessLog: String?
    /// Whether metrics are counted and `/metrics` served (beside the management API, held to its
    /// address list).
    public var metricsEnabled = true
    /// Whether `/metrics` is served without a credential even when no address list holds it.
    public var metricsPublic = false
    /// Key aliases whose requests get a `key_alias` label (no other key appears in metrics).
    public var metricsKeyAliases: [String] = []

    public init() {}
}

extension ObservabilitySettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Logs and metrics", summary: "What Gatehouse tells its operators ([logs.md](logs.md), [metrics.md](metrics.md)).",
            keys: [
                .choice(
                    "log_level", \.observability.logLevel, meaning: "`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`.",
                    example: "warning"),
                .choice(
                    "log_format", \.observability.logFormat,
                    meaning: "Logs as `text` (swift-log's lines) or `json` (one object per line: `time`, `level`, `label`, `message`, "
                        + "`source`, metadata). Database statements are never logged with their values, at any level. See [logs.md](logs.md).",
                    example: "json"),
                .text(
                    "log_destination", \.observability.logDestination,
                    meaning: "Where the log goes: `stderr`, `stdout` or an absolute file path (appended to, created with mode 0600).",
                    example: "/var/log/gatehouse/gatehouse.log",
                    check: { ["stdout", "stderr"].contains($0) || $0.hasPrefix("/") ? nil : "must be stderr, stdout or an absolute file path" }),
                .custom(
                    "access_log",
                    meaning: "One JSON line per request (route, status, latency, address, principal, and for model requests the request "
                        + "id, model, deployment, tokens, cost): `off`, `stdout`, `stderr` or an absolute file path ([logs.md](logs.md)).",
                    default: "`off`", example: "/var/log/gatehouse/access.jsonl"
                ) { fields, path, reader, settings in
                    let node = fields["access_log"]
                    guard let destination = try reader.string(node, at: "\(path).access_log"), destination != "off" else { return }
                    guard ["stdout", "stderr"].contains(destination) || destination.hasPrefix("/") else {
                        throw reader.error("\(path).access_log", node, "must be off, stdout, stderr or an absolute file path")
                    }
                    settings.observability.accessLog = destination
                },
                .flag(
                    "metrics", \.observability.metricsEnabled,
                    meaning: "Whether `/metrics` (Prometheus) is served, beside the management API and held to `management_allowed_ips` "
                        + "([metrics.md](metrics.md)).",
                    example: "false"),
                .flag(
                    "metrics_public", \.observability.metricsPublic,
                    meaning: "Serve `/metrics` without a credential although no `management_allowed_ips` holds it. Otherwise, without an "
                        + "address list, a scraper must bring a proxy admin's or viewer's credential (Prometheus: `authorization: "
                        + "{credentials: <master key>}`).",
                    example: "true"),
                .value(
                    "metrics_key_aliases", \.observability.metricsKeyAliases,
                    meaning: "Key aliases whose requests are counted under a `key_alias` label; no other key appears in metrics.",
                    default: "none", example: "[search-prod]"
                ) { node, path, reader in
                    try reader.stringOrList(node, at: path)
                },
            ])
    }
}
