/// The largest values Gatehouse accepts from outside, chosen so that no sum or product of them
/// (tokens × price, page × size, now + duration) can overflow, and far above any real use.
public enum InputBounds {
    /// Tokens in one count: a request's `max_tokens`, an upstream's reported usage, a limit
    /// claim. A thousand times the largest context window of any model.
    public static let tokens = 1_000_000_000
    /// A duration (key lifetime, grace period, budget period): 100 years.
    public static let seconds: Double = 100 * 366 * 86_400
    /// A page number of the list endpoints.
    public static let page = 1_000_000
    /// A request or token limit (`rpm_limit`, `tpd_limit`…), from a body, a token or a config.
    public static let limit = 1_000_000_000_000
    /// Dollars of a budget: the largest amount `USD` holds exactly.
    public static let dollars: Double = 900_000_000

    /// `value` held within `0...bound`.
    public static func clamp(_ value: Int, to bound: Int) -> Int { min(max(0, value), bound) }
}
