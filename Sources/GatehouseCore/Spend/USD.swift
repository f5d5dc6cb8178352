import Foundation

/// An amount of US dollars, kept as a whole number of 10⁻¹⁰ dollars so that spend adds up
/// exactly (a thousand requests at $0.0000025 a token total exactly a thousand times as much)
/// and fits in one 64-bit database column (up to about $920 million).
public struct USD: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    public static let unitsPerDollar: Int64 = 10_000_000_000
    public var units: Int64

    public init(units: Int64) { self.units = units }

    /// Rounded to the nearest 10⁻¹⁰ dollar; amounts beyond the range (a "never refuse" budget of
    /// a billion dollars) are held at its ends.
    public init(_ dollars: Decimal) {
        var scaled = dollars * Decimal(Self.unitsPerDollar)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        if rounded >= Decimal(Int64.max) {
            units = .max
        } else if rounded <= Decimal(Int64.min) {
            units = .min
        } else {
            units = NSDecimalNumber(decimal: rounded).int64Value
        }
    }

    /// A configured amount (`max_budget: 10.5`) as the decimal its shortest printed form says.
    public init(dollars: Double) {
        self.init(Decimal(string: "\(dollars)") ?? Decimal(dollars))
    }

    public static let zero = USD(units: 0)

    public var decimal: Decimal { Decimal(units) / Decimal(Self.unitsPerDollar) }
    /// The double nearest to the exact amount (what JSON answers carry as `spend`).
    public var dollars: Double { Double(description) ?? NSDecimalNumber(decimal: decimal).doubleValue }

    /// Plain decimal notation: `0.0000125`, `3`. Written digit by digit into one buffer, from
    /// the end: it is written into every priced response's headers.
    public var description: String {
        // At most a sign, 10 whole digits, the point and 10 fraction digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var start = buffer.count
            func put(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            let magnitude = units.magnitude
            var whole = magnitude / UInt64(Self.unitsPerDollar)
            var fraction = magnitude % UInt64(Self.unitsPerDollar)
            if fraction > 0 {
                var digits = 10
                while fraction % 10 == 0 {
                    fraction /= 10
                    digits -= 1
                }
                for _ in 0..<digits {
                    put(UInt8(ascii: "0") + UInt8(fraction % 10))
                    fraction /= 10
                }
                put(UInt8(ascii: "."))
            }
            repeat {
                put(UInt8(ascii: "0") + UInt8(whole % 10))
                whole /= 10
            } while whole > 0
            if units < 0 { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
        }
    }

    public static func + (lhs: USD, rhs: USD) -> USD {
        let (sum, overflow) = lhs.units.addingReportingOverflow(rhs.units)
        return USD(units: overflow ? (rhs.units > 0 ? .max : .min) : sum)
    }

    public static func - (lhs: USD, rhs: USD) -> USD {
        let (difference, overflow) = lhs.units.subtractingReportingOverflow(rhs.units)
        return USD(units: overflow ? (rhs.units < 0 ? .max : .min) : difference)
    }
    public static func < (lhs: USD, rhs: USD) -> Bool { lhs.units < rhs.units }
}
