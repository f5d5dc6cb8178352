import Foundation

/// A `multipart/form-data` body (RFC 7578), as `/v1/audio/transcriptions` sends it: read once,
/// its text fields available by name, and written again with one field's value replaced (the
/// model, which the upstream knows by another name). Bounded: at most `maxParts` parts.
public struct MultipartForm: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// The part's header lines, as sent (`Content-Disposition: form-data; name="file"; …`).
        public var headers: [String]
        public var name: String
        public var filename: String?
        public var content: [UInt8]
    }

    public let boundary: String
    public private(set) var parts: [Part]

    public static let maxParts = 64

    public enum Failure: Error, Equatable {
        case notMultipart
        case malformed(String)
    }

    /// - Parameter contentType: the request's `Content-Type` (which carries the boundary).
    public init(contentType: String, body: some Collection<UInt8>) throws(Failure) {
        guard let boundary = Self.boundary(of: contentType) else { throw .notMultipart }
        self.boundary = boundary
        let bytes = Array(body)
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var cursor = Self.find(delimiter, in: bytes, from: 0) else { throw .malformed("no boundary") }
        while true {
            cursor += delimiter.count
            // `--` after a delimiter ends the body.
            if bytes[cursor..<min(cursor + 2, bytes.count)].elementsEqual("--".utf8) { break }
            guard bytes[cursor..<min(cursor + 2, bytes.count)].elementsEqual("\r\n".utf8) else { throw .malformed("a boundary line") }
            cursor += 2
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: bytes, from: cursor) else { throw .malformed("a part's headers") }
            guard headerEnd - cursor <= 8192 else { throw .malformed("a part's headers are too long") }
            let headers = String(decoding: bytes[cursor..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
            let contentStart = headerEnd + 4
            guard let next = Self.find(Array("\r\n--\(boundary)".utf8), in: bytes, from: contentStart) else {
                throw .malformed("a part without its closing boundary")
            }
            guard let disposition = headers.first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                let name = Self.parameter("name", in: disposition)
            else { throw .malformed("a part without a name") }
            parts.append(
                Part(headers: headers, name: name, filename: Self.parameter("filename", in: disposition), content: Array(bytes[contentStart..<next])))
            guard parts.count <= Self.maxParts else { throw .malformed("more than \(Self.maxParts) parts") }
            cursor = next + 2
        }
        self.parts = parts
    }

    /// The text of the first field named `name` (not a file).
    public func value(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.content, as: UTF8.self) }
    }

    /// The first file part's size in bytes.
    public var fileBytes: Int { parts.first { $0.filename != nil }?.content.count ?? 0 }

    /// The text fields, as a JSON object (what is checked and logged; files are left out).
    public var fields: JSONValue {
        var fields: [String: JSONValue] = [:]
        for part in parts where part.filename == nil && fields[part.name] == nil {
            fields[part.name] = .string(String(decoding: part.content, as: UTF8.self))
        }
        return .object(fields)
    }

    /// The form with field `name` set to `value` (replacing every part of that name), written.
    public func encoded(setting name: String, to value: String) -> [UInt8] {
        var output: [UInt8] = []
        var written = false
        for part in parts {
            if part.name == name {
                if written { continue }
                written = true
                write(Part(headers: ["Content-Disposition: form-data; name=\"\(name)\""], name: name, content: Array(value.utf8)), to: &output)
            } else {
                write(part, to: &output)
            }
        }
        if !written {
            write(Part(headers: ["Content-Disposition: form-data; name=\"\(name)\""], name: name, content: Array(value.utf8)), to: &output)
        }
        output += Array("--\(boundary)--\r\n".utf8)
        return output
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    private func write(_ part: Part, to output: inout [UInt8]) {
        output += Array("--\(boundary)\r\n".utf8)
        for header in part.headers { output += Array((header + "\r\n").utf8) }
        output += Array("\r\n".utf8)
        output += part.content
        output += Array("\r\n".utf8)
    }

    /// The `boundary` of a `multipart/form-data` content type (1 to 70 characters, RFC 2046).
    static func boundary(of contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.first?.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() where field.lowercased().hasPrefix("boundary=") {
            var value = String(field.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count), !value.contains("\r"), !value.contains("\n") else { return nil }
            return value
        }
        return nil
    }

    /// `name="value"` in a `Content-Disposition` line.
    static func parameter(_ name: String, in line: String) -> String? {
        for field in line.split(separator: ";").dropFirst() {
            let pair = field.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix(name + "=") else { continue }
            var value = String(pair.dropFirst(name.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
