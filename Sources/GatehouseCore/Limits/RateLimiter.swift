import Foundation
import Synchronization

/// One level of the chain whose limits a request must pass: the key, its user, team,
/// organization, or the limits a token itself carries.
public struct LimitSubject: Sendable, Equatable {
    /// Internal identity of the counter (`key:…`, `team:…`); never shown to clients.
    public var id: String
    /// What the client may be told: `key`, `user`, `team`, `organization`, `token`.
    public var level: String
    public var limits: Limits

    public init(id: String, level: String, limits: Limits) {
        self.id = id
        self.level = level
        self.limits = limits
    }

    /// The subject of one level's object (`team`, `team_1`), or nil when it has no limits.
    public init?(level: String, id: String, limits: Limits) {
        guard !limits.isEmpty else { return nil }
        self.init(id: level + ":" + id, level: level, limits: limits)
    }
}

/// Requests per minute, exact on one instance: a sliding window log. Each subject keeps the times
/// of the requests it admitted in the last minute (at most its limit of them), so a request is
/// admitted exactly when fewer than the limit were admitted in the 60 seconds before it, and a
/// refusal can say precisely when the oldest of them leaves the window. Chosen over GCRA because
/// GCRA, after a full burst, admits one more request every 60/limit seconds — more than the
/// limit within the minute — while users read "10 requests per minute" as any minute.
public final class RateLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public var admitted: Bool
        /// The tightest applying limit, for the `x-ratelimit-*` headers.
        public var limit: Int
        public var remaining: Int
        /// Seconds until the tightest window frees a slot (0 when one is free now).
        public var reset: Double
        /// The level that refused (`key`, `team`…), when one did.
        public var refusedBy: String?
    }

    public static let window: Double = 60
    private let logs = Mutex<[String: TimeLog]>([:])

    public init() {}

    /// Admits the request if every subject with an `rpm_limit` has room, recording it in all of
    /// them; otherwise records nothing. - Returns: nil when no subject has a request limit.
    public func admit(_ subjects: [LimitSubject], at now: Double) -> Decision? {
        let limited = subjects.compactMap { subject in subject.limits.rpmLimit.map { (subject, $0) } }
        guard !limited.isEmpty else { return nil }
        return logs.withLock { logs in
            var tightest: Decision?
            var refusal: Decision?
            for (subject, limit) in limited {
                logs[subject.id, default: TimeLog()].drop(before: now - Self.window)
                let log = logs[subject.id]!
                let remaining = limit - log.count
                let reset = remaining > 0 ? 0 : (log.oldest.map { $0 + Self.window - now } ?? 0)
                let decision = Decision(admitted: remaining > 0, limit: limit, remaining: max(0, remaining - 1), reset: reset)
                if remaining <= 0 {
                    if refusal.map({ reset > $0.reset }) ?? true {
                        refusal = decision
                        refusal?.refusedBy = subject.level
                        refusal?.remaining = 0
                    }
                } else if tightest.map({ decision.remaining < $0.remaining }) ?? true {
                    tightest = decision
                }
            }
            if let refusal { return refusal }
            for (subject, _) in limited { logs[subject.id, default: TimeLog()].append(now) }
            return tightest
        }
    }
}

/// Admission times in order; expired ones leave from the front in amortised constant time, so a
/// high limit costs 8 bytes per request in the window and no per-request scan.
struct TimeLog {
    private var times: [Double] = []
    private var head = 0

    var count: Int { times.count - head }
    var oldest: Double? { head < times.count ? times[head] : nil }

    mutating func append(_ time: Double) { times.append(time) }

    mutating func drop(before cutoff: Double) {
        while head < times.count, times[head] <= cutoff { head += 1 }
        if head > 1024, head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }
}

extension Limits {
    public var isEmpty: Bool {
        maxBudget == nil && budgetDuration == nil && rpmLimit == nil && tpmLimit == nil && maxParallelRequests == nil
    }
}
