/// A JSON document as a value, so request bodies can be inspected and rewritten without a
/// Codable model for every provider's dialect.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let object) = self else { return nil }
            return object[key]
        }
        set {
            guard case .object(var object) = self else { return }
            // Emptied first, so that the dictionary has one owner and changes in place: else
            // every member set copies the whole object.
            self = .null
            object[key] = newValue
            self = .object(object)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let number) = self { return number.value }
        return nil
    }

    /// The number as an integer when it is one (JSON has a single number type).
    public var intValue: Int? {
        guard case .number(let number) = self else { return nil }
        if let text = number.text { return Int(text) }
        guard number.value.rounded() == number.value, abs(number.value) < 9.0e15 else { return nil }
        return Int(number.value)
    }

    /// A number (constructed here, so it has no original text).
    public static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// An integer, kept digit for digit when a `Double` cannot hold it (beyond 2^53).
    public init(_ value: Int) {
        let approximation = Double(value)
        self = Int(exactly: approximation) == value ? .number(JSONNumber(approximation)) : .number(JSONNumber(approximation, text: String(value)))
    }
}

/// A JSON number: its value, and for an integer a `Double` cannot hold exactly (beyond 2^53,
/// such as an int64 `seed`) the text it was written as, so that a forwarded body keeps it digit
/// for digit.
public struct JSONNumber: Sendable, Hashable {
    public let value: Double
    /// The integer as the document wrote it, when `value` only approximates it; else nil.
    public let text: String?

    public init(_ value: Double) {
        self.value = value
        self.text = nil
    }

    /// - Parameter text: the integer literal `value` approximates.
    init(_ value: Double, text: String) {
        self.value = value
        self.text = text
    }
}
