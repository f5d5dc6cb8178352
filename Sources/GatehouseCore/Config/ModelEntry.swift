import Foundation
import Yams

/// A `model_list` entry given as JSON (`/model/new`, a model stored in the database), read by the
/// same parser as the configuration file, so it is checked the same way.
public enum ModelEntry {
    /// The fields of an entry that are secrets: stored sealed, never shown.
    public static let secretParams = ["api_key", "extra_headers"]

    /// - Throws: `GatewayError` 400 naming what is wrong (an unknown key, a bad value, an
    ///   `os.environ/` reference: the environment is the configuration file's to name).
    public static func deployment(_ entry: JSONValue) throws -> Deployment {
        if JSONCoding.encodeString(entry).contains("os.environ/") {
            throw GatewayError.badRequest(
                "`os.environ/` references are for the configuration file; give the value itself (it is stored sealed).", param: "litellm_params")
        }
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: JSONCoding.encodeString(entry)) else { throw GatewayError.badRequest("The model is empty.") }
            node = composed
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError.badRequest("The model is not a valid entry.")
        }
        var reader = ConfigReader(file: "model", environment: [:])
        do {
            guard let deployment = try DeploymentParser.parse(node, index: 0, reader: &reader) else {
                throw GatewayError.badRequest("The model's provider is not supported by Gatehouse.", param: "litellm_params")
            }
            return deployment
        } catch let error as ConfigError {
            let path = error.path.replacingOccurrences(of: "model_list[0].", with: "")
            throw GatewayError.badRequest("`\(path)`: \(error.message).", param: path.split(separator: ".").first.map(String.init))
        }
    }
}
