import Foundation
import GatehouseCore
import Logging

/// swift-log, one line per event, to `log_destination` (stderr by default, stdout, or a file):
/// `log_format: json` writes an object per line (`time`, `level`, `label`, `message`, `source`,
/// and the metadata's fields) for log shippers; `text` a readable line. Lines go out through a
/// `LogWriter`, never written by the code that logs.
struct LineLogHandler: LogHandler {
    let label: String
    let format: ObservabilitySettings.LogFormat
    let output: LogWriter
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
        let line: String
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "time": .string(time), "level": .string(event.level.rawValue), "label": .string(label), "message": .string("\(event.message)"),
                "source": .string(event.source),
            ]
            for (key, value) in fields where object[key] == nil { object[key] = .string("\(value)") }
            line = JSONCoding.encodeString(.object(object))
        case .text:
            // Every value escaped: a refused certificate's subject with a newline once wrote a forged line.
            let pairs = fields.sorted { $0.key < $1.key }.map { "\(LogText.value($0.key))=\(LogText.value("\($0.value)"))" }.joined(separator: " ")
            line = "\(time) \(event.level) \(label): \(pairs.isEmpty ? "" : pairs + " ")[\(event.source)] \(LogText.message("\(event.message)"))"
        }
        output.write(line)
    }

    /// `stderr`, `stdout`, or a file appended to (created with mode 0600 if missing).
    static func output(_ destination: String) throws -> FileHandle {
        switch destination {
        case "stderr": return .standardError
        case "stdout": return .standardOutput
        default:
            if !FileManager.default.fileExists(atPath: destination) {
                _ = FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            guard let handle = FileHandle(forWritingAtPath: destination) else { throw CocoaError(.fileWriteNoPermission) }
            handle.seekToEndOfFile()
            return handle
        }
    }
}
