/// One field of an update body, in the three states LiteLLM's API gives them: absent (leave the
/// stored value as it is), `null` (clear it), or a value (set it).
public enum Field<Value: Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    /// The value given; nil when the field is absent or null.
    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// Absent keeps `target`, null clears it, a value sets it.
    public func apply(to target: inout Value?) {
        switch self {
        case .absent: return
        case .null: target = nil
        case .value(let value): target = value
        }
    }

    /// The same state with the value transformed (a value checked or parsed).
    public func map<New>(_ transform: (Value) throws -> New) rethrows -> Field<New> {
        switch self {
        case .absent: return .absent
        case .null: return .null
        case .value(let value): return .value(try transform(value))
        }
    }
}

extension Field: Equatable where Value: Equatable {}
