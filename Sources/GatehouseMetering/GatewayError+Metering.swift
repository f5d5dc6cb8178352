import GatehouseCore

extension GatewayError {
    /// LiteLLM's answer to a spent budget, so that its clients recognise it.
    static func budgetExceeded(_ refusal: BudgetLedger.Refusal) -> GatewayError {
        GatewayError(
            status: 400,
            message: "Budget has been exceeded for this \(refusal.level)! Current cost: \(refusal.spent), Max budget: \(refusal.maxBudget)",
            type: "budget_exceeded", code: "400")
    }

    static func rateLimited(_ refusal: RateLimiter.Refusal, headers: [(String, String)]) -> GatewayError {
        let scope = refusal.perModel ? "this \(refusal.level) and model" : "this \(refusal.level)"
        let message =
            refusal.retryAfter == nil
            ? "This request's estimated tokens exceed the limit of \(refusal.limit) \(refusal.unit) for \(scope); lower `max_tokens`."
            : "Rate limit reached: \(refusal.limit) \(refusal.unit) for \(scope)."
        let retry = refusal.retryAfter.map { String(max(1, Int(saturating: $0.rounded(.up)))) } ?? "60"
        return GatewayError(
            status: 429, message: message, type: "rate_limit_error", code: "rate_limit_exceeded", headers: [("Retry-After", retry)] + headers)
    }
}
