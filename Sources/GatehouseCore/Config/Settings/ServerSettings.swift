/// `gatehouse_settings`, by concern: each component is given only its own part.
public struct ServerSettings: Sendable, Equatable {
    /// Folder for the generated master key and the SQLite store.
    public var dataDirectory = "gatehouse-data"
    public var listener = ListenerSettings()
    public var network = NetworkSettings()
    public var upstream = UpstreamSettings()
    public var identity = IdentitySettings()
    public var sessions = SessionSettings()
    public var lockout = LockoutSettings()
    public var metering = MeteringSettings()
    public var audit = AuditSettings()
    public var observability = ObservabilitySettings()

    public init() {}
}

/// The keys of one concern, as the reference shows them under one heading.
struct SettingsSection {
    let title: String
    let summary: String
    let keys: [SettingKey]
}

extension ServerSettings {
    /// Every `gatehouse_settings` key, in the reference's order. Read in this order too: a key
    /// that depends on another (`management_listener` on `port`) comes after it.
    static var sections: [SettingsSection] {
        [
            storageSection, ListenerSettings.section, NetworkSettings.section, UpstreamSettings.section, IdentitySettings.section,
            SessionSettings.section,
            LockoutSettings.section, MeteringSettings.section, AuditSettings.section, ObservabilitySettings.section,
        ]
    }

    static var keys: [SettingKey] { sections.flatMap(\.keys) }
}

/// The `gatehouse_settings` part of docs/configuration.md, made from the key declarations.
public enum ConfigReference {
    public static var gatehouseSettings: String {
        ServerSettings.sections.map { section in
            (["### \(section.title)", "", section.summary, "", "| key | meaning | default | example |", "|---|---|---|---|"]
                + section.keys.map(\.referenceRow)).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }
}

extension ServerSettings {
    static var storageSection: SettingsSection {
        SettingsSection(
            title: "Storage", summary: "Where the embedded store lives (a PostgreSQL store is `general_settings.database_url`).",
            keys: [
                .text(
                    "data_dir", \.dataDirectory, meaning: "Folder for the generated master key and the SQLite store (`gatehouse.sqlite`).",
                    example: "/var/lib/gatehouse")
            ])
    }
}
