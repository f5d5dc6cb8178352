import GatehouseCore

extension GatewayError {
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
