import Foundation
import Testing

@testable import GatehouseCore

/// Each `gatehouse_settings` key is declared once (`Config/Settings/`); the reference in
/// docs/configuration.md is made from those declarations and must say the same.
@Suite("Configuration reference")
struct ConfigReferenceTests {
    static let begin = "<!-- gatehouse_settings reference: made by `gatehouse config reference` -->\n"
    static let end = "<!-- end of the gatehouse_settings reference -->"

    @Test func theDocumentedKeysAreTheDeclaredKeys() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "docs/configuration.md has no generated gatehouse_settings reference")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let documented = String(text[start.upperBound..<stop.lowerBound])
        let declared = ConfigReference.gatehouseSettings
        let firstDifference = zip(documented.split(separator: "\n"), declared.split(separator: "\n")).first { $0 != $1 }
        #expect(
            documented == declared,
            "docs/configuration.md differs from the declarations (run `gatehouse config reference`): \(String(describing: firstDifference))")
    }

    @Test func everyKeyIsDeclaredOnceWithAMeaningAndAnExample() {
        let names = ServerSettings.keys.map(\.name)
        #expect(Set(names).count == names.count)
        for key in ServerSettings.keys {
            #expect(!key.meaning.isEmpty && !key.example.isEmpty && !key.defaultText.isEmpty, "\(key.name)")
            #expect(!key.meaning.contains("|"), "\(key.name): a `|` would break the table")
        }
    }

    /// The reference's examples are values the loader accepts (keys that name files, and the TLS
    /// keys that need them, are tried in the TLS tests with real files).
    @Test func everyExampleLoads() throws {
        let namingFiles: Set<String> = [
            "tls_cert_file", "tls_key_file", "tls_client_auth", "tls_client_ca_file", "tls_client_crl_file", "tls_client_verify_depth",
            "upstream_ca_file", "management_listener",
        ]
        for key in ServerSettings.keys where !namingFiles.contains(key.name) {
            let yaml = "gatehouse_settings:\n  \(key.name): \(key.example)\n"
            #expect(throws: Never.self, "\(key.name): \(key.example)") {
                try ConfigLoader.load(yaml: yaml, file: "example.yaml", environment: [:])
            }
        }
    }

    @Test func theDefaultsShownAreTheDefaultsUsed() throws {
        let defaults = ServerSettings()
        let shown = Dictionary(uniqueKeysWithValues: ServerSettings.keys.map { ($0.name, $0.defaultText) })
        #expect(shown["port"] == "`\(defaults.listener.port)`")
        #expect(shown["request_timeout"] == "`600`" && defaults.upstream.requestTimeout == 600)
        #expect(shown["spend_flush_interval_seconds"] == "`0.5`")
        #expect(shown["oauth_key_rotation_days"] == "`30`" && defaults.identity.oauth.keyRotationSeconds == 30 * 86_400)
        #expect(shown["upstream_client"] == "`nio`" && shown["log_level"] == "`info`")
        // Nothing configured reads as the defaults.
        let loaded = try ConfigLoader.load(yaml: "gatehouse_settings: {}\n", file: "empty.yaml", environment: [:]).config.server
        #expect(loaded == defaults)
    }
}
