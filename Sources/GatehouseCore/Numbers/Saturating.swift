/// Conversions that cannot trap. Swift traps on a floating-point value outside an integer type's
/// range, and every such value here can come from outside (a body, a token claim, an upstream's
/// usage, a configuration file): a trap would stop the whole gateway for one request.
extension FixedWidthInteger {
    /// `value` rounded toward zero, held at the type's ends; NaN is 0. Inlinable: specialised where
    /// it is called, not the generic conversion at run time (it is on every request's path).
    @inlinable
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Self.max) {
            self = .max
        } else if value <= Double(Self.min) {
            self = .min
        } else {
            self.init(value)
        }
    }
}
