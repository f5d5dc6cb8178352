import Foundation

/// An amount of US dollars, kept as a whole number of 10⁻¹⁰ dollars so that spend adds up
/// exactly (a thousand requests at $0.0000025 a token total exactly a thousand times as much)
/// and fits in one 64-bit database column (up to about $920 million).
public struct USD: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    public static let unitsPerDollar: Int64 = 10_000_000_000
    public var units: Int64

    public init(units: Int64) { self.units = units }

    /// Rounded to the nearest 10⁻¹⁰ dollar.
    public init(_ dollars: Decimal) {
        var scaled = dollars * Decimal(Self.unitsPerDollar)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        units = NSDecimalNumber(decimal: rounded).int64Value
    }

    /// A configured amount (`max_budget: 10.5`) as the decimal its shortest printed form says.
    public init(dollars: Double) {
        self.init(Decimal(string: "\(dollars)") ?? Decimal(dollars))
    }

    public static let zero = USD(units: 0)

    public var decimal: Decimal { Decimal(units) / Decimal(Self.unitsPerDollar) }
    /// The double nearest to the exact amount (what JSON answers carry as `spend`).
    public var dollars: Double { Double(description) ?? NSDecimalNumber(decimal: decimal).doubleValue }

    /// Plain decimal notation: `0.0000125`, `3`.
    public var description: String { "\(decimal)" }

    public static func + (lhs: USD, rhs: USD) -> USD { USD(units: lhs.units &+ rhs.units) }
    public static func - (lhs: USD, rhs: USD) -> USD { USD(units: lhs.units &- rhs.units) }
    public static func < (lhs: USD, rhs: USD) -> Bool { lhs.units < rhs.units }
}
