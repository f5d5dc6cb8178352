/// How a level's budget admits a request whose cost is not known until it ends.
public enum BudgetAdmission: String, Sendable, CaseIterable {
    /// Reserve the request's worst case: admitted only when it fits what remains, so the budget
    /// is never overspent (Gatehouse's default).
    case reserve
    /// LiteLLM's rule: admitted while spend is below the budget. Requests in flight when the
    /// budget runs out may overshoot it, by at most what they cost together.
    case spend
    /// Reserve, and when the worst case does not fit, lower the request's `max_tokens` until it
    /// does (if at least `minimumTokens` still fit), saying so in `x-gatehouse-max-tokens`.
    case fit

    /// Fewer completion tokens than this are not worth a request: `fit` refuses instead.
    public static let minimumTokens = 16
}
