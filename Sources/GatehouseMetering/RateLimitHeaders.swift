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

    /// Adds the headers to an answer's fields, which must not hold any of them yet (appended,
    /// not looked up and replaced: an answer's fields are built anew, after the upstream's).
    public static func append(_ decision: RateLimiter.Decision, to headers: inout HTTPFields) {
        func add(_ names: [HTTPField.Name], _ window: RateLimiter.Window) {
            headers.append(HTTPField(name: names[0], value: String(window.limit)))
            headers.append(HTTPField(name: names[1], value: String(window.remaining)))
            headers.append(HTTPField(name: names[2], value: duration(window.reset)))
        }
        if let window = decision.requests { add(requestFields, window) }
        if let window = decision.tokens { add(tokenFields, window) }
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
