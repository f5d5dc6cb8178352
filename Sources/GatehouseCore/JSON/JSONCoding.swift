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

    /// `decode`, building only the named members of a top-level object (the rest is validated,
    /// not built): for reading a few fields of a body that is passed on as it is.
    public static func decode(_ bytes: some Collection<UInt8>, keeping names: [String]) throws -> JSONValue {
        do {
            if let value = try bytes.withContiguousStorageIfAvailable({ try JSONParser.parse($0, keeping: names) }) { return value }
            return try Array(bytes).withUnsafeBufferPointer { try JSONParser.parse($0, keeping: names) }
        } catch let failure as JSONParser.Failure {
            throw InvalidJSON(description: failure.description)
        }
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    /// `value` with some top-level members changed (see `JSONWriter.write(_:changing:)`), written
    /// without copying the object; a value that is not an object is written as it is.
    public static func encode(_ value: JSONValue, changing changes: [(name: String, value: JSONValue?)]) -> [UInt8] {
        guard case .object(let object) = value else { return encode(value) }
        var writer = JSONWriter()
        writer.write(object, changing: changes)
        return writer.bytes
    }

    public static func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
