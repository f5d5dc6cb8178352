import Foundation
import GatehouseCore

/// The master key generated at first start and kept in the data folder, readable by the owner only.
public enum MasterKeyFile {
    public static let fileName = "master_key"

    /// - Returns: the key, and whether it was generated just now (so it is shown once).
    public static func loadOrCreate(dataDirectory: String) throws -> (key: String, created: Bool) {
        let manager = FileManager.default
        try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        if manager.fileExists(atPath: path) {
            let key = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = MasterKeyPolicy.problem(with: key) {
                throw ConfigError(file: path, path: "", message: problem)
            }
            return (key, false)
        }
        let key = generate()
        guard manager.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError(file: path, path: "", message: "cannot write the master key file")
        }
        return (key, true)
    }

    /// `sk-` and 43 base62 characters (about 256 bits) from the system's secure generator.
    public static func generate() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return "sk-" + String((0..<43).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
