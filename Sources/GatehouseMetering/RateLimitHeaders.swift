public import GatehouseCore
public import HTTPTypes

/// OpenAI's `x-ratelimit-*` headers for the tightest applying request and token windows.
public enum RateLimitHeaders {
    static let requestNames = ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"]
    static let tokenNames = ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"]
    /// Parsed once: building an `HTTPField.Name` validates the string.
    static let requestFields = requestNames.map { HTTPField.Name($0)! }
    static let tokenFields = tokenNames.map { HTTPField.Name($0)! }

    static func fields(_ decision: RateLimiter.Decision) -> [(String, String)] {
        (decision.requests.map { Array(zip(requestNames, values($0))) } ?? []) + (decision.tokens.map { Array(zip(tokenNames, values($0))) } ?? [])
    }

    public static func apply(_ decision: RateLimiter.Decision, to headers: inout HTTPFields) {
        if let window = decision.requests { for (name, value) in zip(requestFields, values(window)) { headers[name] = value } }
        if let window = decision.tokens { for (name, value) in zip(tokenFields, values(window)) { headers[name] = value } }
    }

    static func values(_ window: RateLimiter.Window) -> [String] {
        [String(window.limit), String(window.remaining), duration(window.reset)]
    }

    /// OpenAI writes resets as durations: `0s`, `1.5s`, `59.992s`.
    static func duration(_ seconds: Double) -> String {
        let milliseconds = (seconds * 1000).rounded(.up)
        return milliseconds.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(saturating: milliseconds / 1000))s" : "\(milliseconds / 1000)s"
    }
}
