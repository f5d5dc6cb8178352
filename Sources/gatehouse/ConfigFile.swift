import Foundation
import GatehouseCore

/// Loads the configuration named on the command line, or the embedded default.
enum ConfigFile {
    static func load(path: String?) throws -> ConfigLoader.Result {
        guard let path else { return ConfigLoader.Result(config: .embeddedDefault, warnings: []) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, path: "", message: "cannot read the file")
        }
        var result = try ConfigLoader.load(yaml: text, file: path, environment: ProcessInfo.processInfo.environment)
        if result.config.models.isEmpty {
            result.warnings.append("\(path): model_list is empty; serving the built-in mock model `mock-gpt`")
            result.config.models = GatehouseConfig.embeddedDefault.models
        }
        return result
    }
}
