/// Values many keys share (their user, team and organization ids; their model and route lists)
/// held once and referred to by a 32-bit number; each is counted and let go with its last
/// referrer. Number 0 is the absent value and is never counted.
struct InternPool<Value: Hashable & Sendable>: Sendable {
    private var values: [Value?] = [nil]
    private var referrers: [UInt32] = [0]
    private var numbers: [Value: UInt32] = [:]
    private var free: [UInt32] = []

    /// The number of `value` (0 for nil), counted as one more referrer.
    mutating func intern(_ value: Value?) -> UInt32 {
        guard let value else { return 0 }
        if let number = numbers[value] {
            referrers[Int(number)] += 1
            return number
        }
        let number: UInt32
        if let reused = free.popLast() {
            number = reused
            values[Int(number)] = value
            referrers[Int(number)] = 1
        } else {
            number = UInt32(values.count)
            values.append(value)
            referrers.append(1)
        }
        numbers[value] = number
        return number
    }

    /// One referrer fewer; the value goes with the last.
    mutating func release(_ number: UInt32) {
        guard number != 0 else { return }
        let index = Int(number)
        referrers[index] -= 1
        guard referrers[index] == 0, let value = values[index] else { return }
        numbers[value] = nil
        values[index] = nil
        free.append(number)
    }

    subscript(number: UInt32) -> Value? { values[Int(number)] }

    /// How many distinct values are held.
    var count: Int { numbers.count }
}
