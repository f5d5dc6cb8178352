import Foundation
import Yams

/// Walks a YAML node tree, resolving `os.environ/NAME` references, rejecting unknown keys and
/// collecting one warning per LiteLLM setting that Gatehouse accepts but does not implement.
struct ConfigReader {
    let file: String
    let environment: [String: String]
    private(set) var warnings: [String] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func error(_ path: String, _ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, path: path, line: node?.mark?.line, message: message)
    }

    /// The keys of a mapping. Unknown keys fail; `ignored` keys warn and are dropped.
    mutating func fields(_ node: Node, at path: String, known: [String], ignored: Set<String> = []) throws -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(path, node, "expected a mapping")
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error(path, keyNode, "keys must be strings") }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if known.contains(key) {
                result[key] = value
            } else if ignored.contains(key) {
                warnings.append("\(file): \(keyPath): LiteLLM setting not implemented by Gatehouse; ignored")
            } else {
                var message = "unknown key `\(key)`"
                if let suggestion = Spelling.closest(to: key, among: known + ignored.sorted()) {
                    message += " (did you mean `\(suggestion)`?)"
                }
                throw error(keyPath, keyNode, message)
            }
        }
        return result
    }

    mutating func warn(_ path: String, _ message: String) {
        warnings.append("\(file): \(path): \(message)")
    }

    func string(_ node: Node?, at path: String) throws -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else { throw error(path, node, "expected a string") }
        if node.null != nil, scalar.style == .plain { return nil }
        return try resolve(scalar.string, node: node, at: path)
    }

    func requiredString(_ node: Node?, at path: String, parent: Node) throws -> String {
        guard let value = try string(node, at: path), !value.isEmpty else {
            throw error(path, node ?? parent, "is required")
        }
        return value
    }

    func int(_ node: Node?, at path: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = try string(node, at: path) else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(path, node, "expected an integer, got `\(text)`")
        }
        guard range.contains(value) else {
            throw error(path, node, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// - Parameter maximum: by default 10⁹ (seconds: 31 years; dollars: a billion): a number
    ///   beyond any real setting is a mistake, named at start-up rather than met at a request.
    func double(_ node: Node?, at path: String, minimum: Double = 0, maximum: Double = 1e9) throws -> Double? {
        guard let text = try string(node, at: path) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw error(path, node, "expected a number, got `\(text)`")
        }
        guard value >= minimum else { throw error(path, node, "must be at least \(minimum)") }
        guard value <= maximum else { throw error(path, node, "must be at most \(Int(saturating: maximum))") }
        return value
    }

    func bool(_ node: Node?, at path: String) throws -> Bool? {
        guard let text = try string(node, at: path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(path, node, "expected true or false, got `\(text)`")
        }
    }

    func stringList(_ node: Node?, at path: String) throws -> [String]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else { throw error(path, node, "expected a list") }
        return try sequence.enumerated().map { index, item in
            try requiredString(item, at: "\(path)[\(index)]", parent: node)
        }
    }

    func stringMap(_ node: Node?, at path: String) throws -> [String: String]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else { throw error(path, node, "expected a mapping") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(path, key, "keys must be strings") }
            result[name] = try string(value, at: "\(path).\(name)") ?? ""
        }
        return result
    }

    /// A mapping of names to lists of strings (`scope_models`).
    func listMap(_ node: Node?, at path: String) throws -> [String: [String]]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else { throw error(path, node, "expected a mapping") }
        var result: [String: [String]] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(path, key, "keys must be strings") }
            result[name] = try stringList(value, at: "\(path).\(name)") ?? []
        }
        return result
    }

    /// A mapping of strings to strings, in the file's order (where the first match wins).
    func orderedStringMap(_ node: Node, at path: String) throws -> [(String, String)] {
        guard case .mapping(let mapping) = node else { throw error(path, node, "expected a mapping") }
        return try mapping.map { key, value in
            guard let name = key.string else { throw error(path, key, "keys must be strings") }
            guard let text = try string(value, at: "\(path).\(name)") else { throw error("\(path).\(name)", value, "expected a string") }
            return (name, text)
        }
    }

    /// A string or a list of strings, as a list (`audience: a` or `audience: [a, b]`).
    func stringOrList(_ node: Node?, at path: String) throws -> [String]? {
        guard let node else { return nil }
        if case .sequence = node { return try stringList(node, at: path) }
        return try string(node, at: path).map { [$0] }
    }

    func sequence(_ node: Node?, at path: String) throws -> [Node] {
        guard let node else { return [] }
        guard case .sequence(let sequence) = node else { throw error(path, node, "expected a list") }
        return Array(sequence)
    }

    /// `os.environ/NAME` reads the environment; a missing variable names the key that wanted it.
    private func resolve(_ value: String, node: Node, at path: String) throws -> String {
        let prefix = "os.environ/"
        guard value.hasPrefix(prefix) else { return value }
        let name = String(value.dropFirst(prefix.count))
        guard let resolved = environment[name] else {
            throw error(path, node, "environment variable `\(name)` is not set")
        }
        return resolved
    }
}

extension ConfigReader {
    /// A YAML value as JSON: an unquoted `true`, `12` or `0.5` is a boolean or number, as YAML
    /// reads it; a quoted one stays a string.
    func json(_ node: Node, at path: String) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if node.null != nil, scalar.style == .plain { return .null }
            let text = try string(node, at: path) ?? ""
            guard scalar.style == .plain else { return .string(text) }
            if let flag = node.bool { return .bool(flag) }
            if let integer = Int(text) { return JSONValue(integer) }
            if let number = Double(text), number.isFinite { return .number(JSONNumber(number)) }
            return .string(text)
        case .sequence(let sequence):
            return .array(try sequence.enumerated().map { index, item in try json(item, at: "\(path)[\(index)]") })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw error(path, key, "keys must be strings") }
                object[name] = try json(value, at: "\(path).\(name)")
            }
            return .object(object)
        case .alias:
            throw error(path, node, "YAML aliases are not supported here")
        }
    }
}
