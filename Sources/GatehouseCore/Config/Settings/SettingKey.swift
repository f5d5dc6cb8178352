import Foundation
import Yams

/// One `gatehouse_settings` key, declared once: its name, what it does, its default and an
/// example (the row docs/configuration.md shows, which a test holds to this declaration), and how
/// its value is read, checked and stored in `ServerSettings`.
struct SettingKey {
    /// Reads the key from its section's fields (a few keys are read as a group, see `tls_cert_file`).
    typealias Read = (_ fields: [String: Node], _ path: String, _ reader: inout ConfigReader, _ settings: inout ServerSettings) throws -> Void

    let name: String
    let meaning: String
    /// As the reference shows it: a value in backticks, `none`, or a few words.
    let defaultText: String
    let example: String
    let read: Read

    /// The key's row in the reference: `| key | meaning | default | example |`.
    var referenceRow: String {
        "| `\(name)` | \(meaning) | \(defaultText) | \(example.isEmpty ? "" : "`\(example)`") |"
    }

    static func custom(_ name: String, meaning: String, default defaultText: String = "none", example: String, read: @escaping Read) -> SettingKey {
        SettingKey(name: name, meaning: meaning, defaultText: defaultText, example: example, read: read)
    }

    /// A key whose value is parsed from its own node alone (nil: absent, the default stays).
    static func value<Value>(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, Value>, meaning: String, default defaultText: String, example: String,
        parse: @escaping (Node?, String, inout ConfigReader) throws -> Value?
    ) -> SettingKey {
        custom(name, meaning: meaning, default: defaultText, example: example) { fields, path, reader, settings in
            if let value = try parse(fields[name], "\(path).\(name)", &reader) { settings[keyPath: keyPath] = value }
        }
    }

    static func text(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, String>, meaning: String, example: String,
        check: @escaping (String) -> String? = { _ in nil }
    ) -> SettingKey {
        value(name, keyPath, meaning: meaning, default: "`\(ServerSettings()[keyPath: keyPath])`", example: example) { node, path, reader in
            guard let text = try reader.string(node, at: path) else { return nil }
            if let problem = check(text) { throw reader.error(path, node, problem) }
            return text
        }
    }

    static func int(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, Int>, in range: ClosedRange<Int>, meaning: String, example: String
    ) -> SettingKey {
        value(name, keyPath, meaning: meaning, default: "`\(ServerSettings()[keyPath: keyPath])`", example: example) { node, path, reader in
            try reader.int(node, at: path, range: range)
        }
    }

    /// A number of seconds (or another quantity with a lower bound).
    static func number(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, Double>, minimum: Double = 0, meaning: String, example: String
    ) -> SettingKey {
        value(name, keyPath, meaning: meaning, default: "`\(shown(ServerSettings()[keyPath: keyPath]))`", example: example) {
            node, path, reader in
            try reader.double(node, at: path, minimum: minimum)
        }
    }

    static func flag(_ name: String, _ keyPath: WritableKeyPath<ServerSettings, Bool>, meaning: String, example: String) -> SettingKey {
        value(name, keyPath, meaning: meaning, default: "`\(ServerSettings()[keyPath: keyPath])`", example: example) { node, path, reader in
            try reader.bool(node, at: path)
        }
    }

    /// One of an enumeration's raw values; anything else is refused, naming them all.
    static func choice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, Choice>, meaning: String, example: String,
        normalize: @escaping (String) -> String = { $0 }
    ) -> SettingKey where Choice.RawValue == String {
        value(name, keyPath, meaning: meaning, default: "`\(ServerSettings()[keyPath: keyPath].rawValue)`", example: example) {
            node, path, reader in
            guard let text = try reader.string(node, at: path) else { return nil }
            guard let known = Choice(rawValue: normalize(text)) else {
                throw reader.error(path, node, "must be \(alternatives(Choice.allCases.map(\.rawValue)))")
            }
            return known
        }
    }

    /// IPv4/IPv6 addresses or CIDR networks, one or a list.
    static func networks(
        _ name: String, _ keyPath: WritableKeyPath<ServerSettings, [IPNetwork]>, meaning: String, default defaultText: String = "none",
        example: String
    ) -> SettingKey {
        value(name, keyPath, meaning: meaning, default: defaultText, example: example) { node, path, reader in
            node == nil ? nil : try ListenerParser.networks(node, at: path, reader: &reader)
        }
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ names: [String]) -> String {
        guard let last = names.last, names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// `5` rather than `5.0`; `0.5` as it is.
    static func shown(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
