/// Serialises a `JSONValue` to compact JSON bytes, without going through `Codable`; or, piece by
/// piece, a line whose shape is known (the access log), with no `JSONValue` built for it.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends JSON text as it is (`{"type":"access"`, `,"status":`).
    public mutating func raw(_ literal: StaticString) {
        append(literal)
    }

    /// Appends an integer.
    public mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends `value / 10^scale` as a decimal number (`12345, 3` → `12.345`), without going
    /// through floating point.
    public mutating func decimal(_ value: Int64, scale: Int) {
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        bytes.append(contentsOf: String(magnitude / divisor.magnitude).utf8)
        let fraction = String(magnitude % divisor.magnitude)
        bytes.append(UInt8(ascii: "."))
        for _ in fraction.utf8.count..<scale { bytes.append(UInt8(ascii: "0")) }
        bytes.append(contentsOf: fraction.utf8)
    }

    /// Appends a JSON string, escaped.
    public mutating func string(_ value: some StringProtocol) {
        writeString(value)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): writeNumber(number)
        case .string(let string): writeString(string)
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (position, element) in array.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, element) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(element)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `object` with some of its members changed, without copying it: a change with a
    /// value replaces the member of that name (or adds it), one without leaves it out. Names in
    /// `changes` are distinct.
    public mutating func write(_ object: [String: JSONValue], changing changes: [(name: String, value: JSONValue?)]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        func member(_ key: String, _ value: JSONValue) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        }
        for (key, element) in object {
            if let change = changes.first(where: { $0.name == key }) {
                if let value = change.value { member(key, value) }
            } else {
                member(key, element)
            }
        }
        for change in changes where object[change.name] == nil {
            if let value = change.value { member(change.name, value) }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func writeNumber(_ number: JSONNumber) {
        if let text = number.text { return bytes.append(contentsOf: text.utf8) }
        writeNumber(number.value)
    }

    private mutating func writeNumber(_ number: Double) {
        guard number.isFinite else { return append("null") }
        if number.rounded() == number, abs(number) < 9.0e15 {
            bytes.append(contentsOf: String(Int64(number)).utf8)
        } else {
            bytes.append(contentsOf: "\(number)".utf8)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a JSON string: runs of bytes that need no escape are copied whole (a message's
    /// text is mostly such a run), each byte that does is escaped.
    private mutating func writeString(_ string: some StringProtocol) {
        bytes.append(UInt8(ascii: "\""))
        if string.utf8.withContiguousStorageIfAvailable({ writeEscaping($0) }) == nil {
            // Not stored contiguously (never so for a native string): made so, then written alike.
            var copy = String(string)
            copy.withUTF8 { writeEscaping($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaping(_ text: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in text.indices where Self.needsEscape(text[index]) {
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index])) }
            writeEscape(text[index])
            runStart = index + 1
        }
        if runStart < text.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...])) }
    }

    /// A quote, a backslash or a control character: what JSON does not allow as it is in a string.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private mutating func writeEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append("\\\"")
        case UInt8(ascii: "\\"): append("\\\\")
        case 0x0A: append("\\n")
        case 0x0D: append("\\r")
        case 0x09: append("\\t")
        default:
            append("\\u00")
            bytes.append(Self.hex[Int(byte >> 4)])
            bytes.append(Self.hex[Int(byte & 0xF)])
        }
    }
}
