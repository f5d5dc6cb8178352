import GatehouseCore
public import NIOCore

extension TimeAmount {
    /// Configuration speaks in (fractional) seconds; NIO in integral units.
    public static func seconds(fractional value: Double) -> TimeAmount {
        .nanoseconds(Int64(saturating: (value * 1_000_000_000).rounded()))
    }
}
