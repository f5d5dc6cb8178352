/// Comparisons of secrets that take the same time wherever the first difference is.
public enum ConstantTime {
    /// Whether two strings are equal, without an early exit (their lengths may show).
    public static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
