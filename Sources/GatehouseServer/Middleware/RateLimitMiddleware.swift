import Foundation
import GatehouseCore
import HTTPTypes
public import Hummingbird

/// Step 5 of the pipeline, for model calls: every level of the caller's chain with a request
/// limit must have room, or the answer is 429 with an accurate `Retry-After`. Answers carry the
/// tightest applying limit in OpenAI's `x-ratelimit-*-requests` headers. Nothing internal (ids,
/// hashes) is named, only the level that refused.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext
    let limiter: RateLimiter

    public init(limiter: RateLimiter) {
        self.limiter = limiter
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let subjects = context.principal?.limitSubjects, !subjects.isEmpty,
            let decision = limiter.admit(subjects, at: Date().timeIntervalSince1970)
        else { return try await next(request, context) }
        guard decision.admitted else {
            var error = GatewayError(
                status: 429, message: "Rate limit reached: \(decision.limit) requests per minute for this \(decision.refusedBy ?? "key").",
                type: "rate_limit_error", code: "rate_limit_exceeded")
            error.headers = [("Retry-After", String(Int(decision.reset.rounded(.up))))] + Array(zip(Self.names, Self.values(decision)))
            throw error
        }
        var response = try await next(request, context)
        for (name, value) in zip(Self.fieldNames, Self.values(decision)) { response.headers[name] = value }
        return response
    }

    static let names = ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"]
    /// Parsed once: building an `HTTPField.Name` validates the string.
    static let fieldNames = names.map { HTTPField.Name($0)! }

    static func values(_ decision: RateLimiter.Decision) -> [String] {
        [String(decision.limit), String(decision.remaining), duration(decision.reset)]
    }

    /// OpenAI writes resets as durations: `0s`, `1.5s`, `59.992s`.
    static func duration(_ seconds: Double) -> String {
        let milliseconds = (seconds * 1000).rounded(.up)
        return milliseconds.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(milliseconds / 1000))s" : "\(milliseconds / 1000)s"
    }
}
