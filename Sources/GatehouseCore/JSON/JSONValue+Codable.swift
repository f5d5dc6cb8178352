extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9.0e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// Reading and writing JSON bytes on the request path.
public enum JSONCoding {
    public struct InvalidJSON: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses JSON bytes (strict: one value, valid UTF-8, nesting at most 128 deep).
    public static func decode(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        do {
            if let value = try bytes.withContiguousStorageIfAvailable({ try JSONParser.parse($0) }) { return value }
            return try Array(bytes).withUnsafeBufferPointer { try JSONParser.parse($0) }
        } catch let failure as JSONParser.Failure {
            throw InvalidJSON(description: failure.description)
        }
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    public static func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
