import Foundation
import GatehouseCore
import Logging

/// swift-log as one JSON object per line on stderr (`log_format: json`), for log shippers:
/// `time`, `level`, `label`, `message`, `source`, and the metadata's fields.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line: [String: JSONValue] = [
            "time": .string(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "level": .string(event.level.rawValue), "label": .string(label), "message": .string("\(event.message)"),
            "source": .string(event.source),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) where line[key] == nil {
            line[key] = .string("\(value)")
        }
        FileHandle.standardError.write(Data((JSONCoding.encodeString(.object(line)) + "\n").utf8))
    }
}
