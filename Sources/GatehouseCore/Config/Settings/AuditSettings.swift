/// Where the audit trail is copied besides the store, and how often it is written.
public struct AuditSettings: Sendable, Equatable {
    /// `stdout`, absolute file paths, at most one http(s) URL.
    public var streams: [String] = []
    public var flushIntervalSeconds = 0.5

    public init() {}
}

extension AuditSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Audit", summary: "The audit trail's copies and writes ([audit.md](audit.md)).",
            keys: [
                .value(
                    "audit_streams", \.audit.streams,
                    meaning: "Where audit records are copied as JSON lines besides the database: `stdout`, absolute file paths (each "
                        + "appended to), one `http(s)://` URL (a webhook receiving `{\"audit\": [...]}` per batch). See [audit.md](audit.md).",
                    default: "none", example: "[stdout, /var/log/gatehouse/audit.jsonl]"
                ) { node, path, reader in
                    guard let streams = try reader.stringOrList(node, at: path) else { return nil }
                    let webhooks = streams.filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
                    for destination in streams where destination != "stdout" && !destination.hasPrefix("/") && !webhooks.contains(destination) {
                        throw reader.error(path, node, "`\(destination)` must be stdout, an absolute file path or an http(s) URL")
                    }
                    if webhooks.count > 1 { throw reader.error(path, node, "one webhook at most") }
                    return streams
                },
                .number(
                    "audit_flush_interval_seconds", \.audit.flushIntervalSeconds, minimum: 0.01,
                    meaning: "How often queued audit records are written (and streamed). Everything queued is also written at shutdown.",
                    example: "2"),
            ])
    }
}
