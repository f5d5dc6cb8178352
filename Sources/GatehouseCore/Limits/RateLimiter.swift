import Foundation
import Synchronization

/// Requests and tokens per minute and per day, at every level of the chain, exact on one
/// instance.
///
/// Per minute: a sliding window log. Each subject keeps the time and tokens of the requests it
/// admitted in the last 60 seconds, so a request is admitted exactly when the requests (and
/// tokens) admitted in the 60 seconds before it leave room, and a refusal can say precisely when
/// enough of them leave the window. Chosen over GCRA because GCRA, after a full burst, admits one
/// more request every 60/limit seconds — more than the limit within the minute — while users read
/// "10 requests per minute" as any minute. Per day: counters per calendar day in the configured
/// time zone, reset at midnight (what "per day" means on an invoice).
///
/// Tokens are reserved at admission (the request's estimate) and settled with what the upstream
/// reported, so the windows count real usage once it is known.
public final class RateLimiter: Sendable {
    /// One window's state after a decision, for the `x-ratelimit-*` headers.
    public struct Window: Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        /// Seconds until the window has room again (0 when it has room now).
        public var reset: Double

        public init(limit: Int, remaining: Int, reset: Double) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
        }
    }

    public struct Refusal: Sendable, Equatable {
        /// The level that refused, never its id.
        public var level: LimitLevel
        /// `requests per minute`, `tokens per day`…
        public var unit: String
        public var limit: Int
        /// Seconds until a retry can succeed; nil when this request could never fit.
        public var retryAfter: Double?
        /// Whether the limit is for one model within the level.
        public var perModel = false
    }

    public struct Decision: Sendable {
        /// The tightest applying request and token windows.
        public var requests: Window?
        public var tokens: Window?
        public var refusal: Refusal?
        /// What to settle once the request's tokens are known.
        public var reservation = Reservation()
    }

    /// The tokens a request reserved, and where.
    public struct Reservation: Sendable {
        var minute: [(id: String, sequence: Int)] = []
        var days: [(id: String, day: Double)] = []
        public var tokens = 0
    }

    public static let window: Double = 60
    private let state: Mutex<State>

    struct State {
        var logs: [String: WindowLog] = [:]
        var days: [String: DayCount] = [:]
        var today: (start: Double, end: Double) = (0, 0)
        /// What other instances reported for their last minute and their day.
        var remote: [String: Usage] = [:]
    }

    /// A subject's usage in the last minute and in the current day, as one instance reports it
    /// to the others.
    public struct Usage: Sendable, Equatable {
        public var minuteRequests = 0
        public var minuteTokens = 0
        /// Seconds since 1970 of the day the day counts are for.
        public var day: Double = 0
        public var dayRequests = 0
        public var dayTokens = 0

        public init(minuteRequests: Int = 0, minuteTokens: Int = 0, day: Double = 0, dayRequests: Int = 0, dayTokens: Int = 0) {
            self.minuteRequests = minuteRequests
            self.minuteTokens = minuteTokens
            self.day = day
            self.dayRequests = dayRequests
            self.dayTokens = dayTokens
        }
    }

    struct DayCount {
        var day: Double
        var requests = 0
        var tokens = 0
    }

    /// - Parameter calendar: whose midnight ends a day.
    public init(calendar: Calendar = BudgetPeriod.calendar(timeZone: nil)!) {
        self.calendar = calendar
        state = Mutex(State())
    }

    private let calendar: Calendar

    /// Admits the request if every subject has room for one more request and `tokens` more
    /// tokens in each of its windows, recording it in all of them; otherwise records nothing.
    /// - Returns: nil when no subject has a request or token limit.
    public func admit(_ subjects: [LimitSubject], tokens: Int = 0, at now: Double) -> Decision? {
        guard subjects.contains(where: \.limits.hasWindow) else { return nil }
        return state.withLock { state in
            var decision = Decision()
            var refusal: Refusal?
            func consider(
                _ window: Window, refused: Bool, level: LimitLevel, unit: String, perModel: Bool, fits: Bool,
                into keyPath: WritableKeyPath<Decision, Window?>
            ) {
                if refused {
                    let candidate = Refusal(level: level, unit: unit, limit: window.limit, retryAfter: fits ? window.reset : nil, perModel: perModel)
                    // Tell the client the latest time at which every refusing window has room.
                    if refusal == nil || (candidate.retryAfter ?? .infinity) > (refusal?.retryAfter ?? .infinity) {
                        refusal = candidate
                        // The refusing window is the one the headers describe.
                        decision[keyPath: keyPath] = Window(limit: window.limit, remaining: 0, reset: window.reset)
                    }
                } else if decision[keyPath: keyPath].map({ window.remaining < $0.remaining }) ?? true {
                    decision[keyPath: keyPath] = window
                }
            }
            let needsDay = subjects.contains { $0.limits.rpdLimit != nil || $0.limits.tpdLimit != nil }
            if needsDay, now >= state.today.end || now < state.today.start {
                let start = calendar.startOfDay(for: Date(timeIntervalSince1970: now))
                state.today = (start.timeIntervalSince1970, calendar.date(byAdding: .day, value: 1, to: start)!.timeIntervalSince1970)
            }
            let today = state.today
            for subject in subjects {
                let limits = subject.limits
                let perModel = subject.isPerModel
                let remote = state.remote[subject.id]
                if limits.rpmLimit != nil || limits.tpmLimit != nil {
                    state.logs[subject.id, default: WindowLog()].drop(before: now - Self.window)
                    let log = state.logs[subject.id]!
                    if let limit = limits.rpmLimit {
                        let remaining = limit - log.count - (remote?.minuteRequests ?? 0)
                        let reset = remaining > 0 ? 0 : log.timeToFree(requests: 1 - remaining, now: now)
                        let window = Window(limit: limit, remaining: max(0, remaining - 1), reset: reset)
                        consider(
                            window, refused: remaining <= 0, level: subject.level, unit: "requests per minute", perModel: perModel, fits: true,
                            into: \.requests)
                    }
                    if let limit = limits.tpmLimit {
                        let remaining = limit - log.tokens - (remote?.minuteTokens ?? 0)
                        let refused = tokens > remaining || (remaining <= 0 && tokens == 0)
                        let reset = refused ? log.timeToFree(tokens: tokens - remaining, now: now) : 0
                        let window = Window(limit: limit, remaining: max(0, remaining - tokens), reset: reset)
                        consider(
                            window, refused: refused, level: subject.level, unit: "tokens per minute", perModel: perModel, fits: tokens <= limit,
                            into: \.tokens)
                    }
                }
                if limits.rpdLimit != nil || limits.tpdLimit != nil {
                    var count = state.days[subject.id].flatMap { $0.day == today.start ? $0 : nil } ?? DayCount(day: today.start)
                    if let remote, remote.day == today.start {
                        count.requests += remote.dayRequests
                        count.tokens += remote.dayTokens
                    }
                    let untilMidnight = today.end - now
                    if let limit = limits.rpdLimit {
                        let window = Window(
                            limit: limit, remaining: max(0, limit - count.requests - 1), reset: count.requests < limit ? 0 : untilMidnight)
                        consider(
                            window, refused: count.requests >= limit, level: subject.level, unit: "requests per day", perModel: perModel, fits: true,
                            into: \.requests)
                    }
                    if let limit = limits.tpdLimit {
                        let refused = count.tokens + tokens > limit || (count.tokens >= limit && tokens == 0)
                        let window = Window(limit: limit, remaining: max(0, limit - count.tokens - tokens), reset: refused ? untilMidnight : 0)
                        consider(
                            window, refused: refused, level: subject.level, unit: "tokens per day", perModel: perModel, fits: tokens <= limit,
                            into: \.tokens)
                    }
                }
            }
            if let refusal {
                decision.refusal = refusal
                return decision
            }
            decision.reservation.tokens = tokens
            for subject in subjects {
                let limits = subject.limits
                if limits.rpmLimit != nil || limits.tpmLimit != nil {
                    let sequence = state.logs[subject.id, default: WindowLog()].append(now, tokens: tokens)
                    decision.reservation.minute.append((subject.id, sequence))
                }
                if limits.rpdLimit != nil || limits.tpdLimit != nil {
                    var count = state.days[subject.id].flatMap { $0.day == today.start ? $0 : nil } ?? DayCount(day: today.start)
                    count.requests += 1
                    count.tokens += tokens
                    state.days[subject.id] = count
                    decision.reservation.days.append((subject.id, today.start))
                }
            }
            return decision
        }
    }

    /// This instance's usage per subject with any in the last minute or today, for the others.
    public func localUsage(at now: Double) -> [String: Usage] {
        state.withLock { state in
            var usage: [String: Usage] = [:]
            for id in Array(state.logs.keys) {
                state.logs[id]!.drop(before: now - Self.window)
                let log = state.logs[id]!
                if log.count == 0 {
                    state.logs[id] = nil
                } else {
                    usage[id, default: Usage()].minuteRequests = log.count
                    usage[id, default: Usage()].minuteTokens = log.tokens
                }
            }
            for (id, count) in state.days where now >= count.day && now < count.day + 90_000 {
                usage[id, default: Usage()].day = count.day
                usage[id, default: Usage()].dayRequests = count.requests
                usage[id, default: Usage()].dayTokens = count.tokens
            }
            return usage
        }
    }

    /// The calendar day (in the configured time zone) that the per-day limits count `time` in.
    public func day(containing time: Double) -> (start: Double, end: Double) {
        let start = calendar.startOfDay(for: Date(timeIntervalSince1970: time))
        return (start.timeIntervalSince1970, calendar.date(byAdding: .day, value: 1, to: start)!.timeIntervalSince1970)
    }

    /// What the subjects used in the last minute and today, on every instance (this one's count
    /// and what the others last reported), with when today ends: what a limits panel shows.
    public func usage(of ids: [String], at now: Double) -> (usage: [String: Usage], dayEnd: Double) {
        let (dayStart, dayEnd) = day(containing: now)
        return state.withLock { state in
            var usage: [String: Usage] = [:]
            for id in ids {
                var used = Usage(day: dayStart)
                if state.logs[id] != nil {
                    state.logs[id]!.drop(before: now - Self.window)
                    used.minuteRequests = state.logs[id]!.count
                    used.minuteTokens = state.logs[id]!.tokens
                }
                if let count = state.days[id], count.day == dayStart {
                    used.dayRequests = count.requests
                    used.dayTokens = count.tokens
                }
                if let remote = state.remote[id] {
                    used.minuteRequests += remote.minuteRequests
                    used.minuteTokens += remote.minuteTokens
                    if remote.day == dayStart {
                        used.dayRequests += remote.dayRequests
                        used.dayTokens += remote.dayTokens
                    }
                }
                usage[id] = used
            }
            return (usage, dayEnd)
        }
    }

    /// Replaces what other instances reported (the sum of their usage per subject).
    public func setRemoteUsage(_ usage: [String: Usage]) {
        state.withLock { $0.remote = usage }
    }

    /// Replaces a request's reserved tokens by the tokens it used, in every window that still
    /// holds it.
    public func settle(_ reservation: Reservation, tokens used: Int) {
        let delta = used - reservation.tokens
        guard delta != 0, !(reservation.minute.isEmpty && reservation.days.isEmpty) else { return }
        state.withLock { state in
            for (id, sequence) in reservation.minute { state.logs[id]?.adjust(sequence, by: delta) }
            for (id, day) in reservation.days where state.days[id]?.day == day { state.days[id]!.tokens = max(0, state.days[id]!.tokens + delta) }
        }
    }
}

/// The requests a subject admitted in the last minute, in order, with their tokens; expired ones
/// leave from the front in amortised constant time, so a high limit costs 16 bytes per request
/// in the window and no per-request scan.
struct WindowLog {
    private var times: [Double] = []
    private var weights: [Int] = []
    private var head = 0
    /// Entries removed from the arrays so far: an entry's sequence number minus this is its index.
    private var removed = 0
    private(set) var tokens = 0

    var count: Int { times.count - head }

    /// - Returns: the entry's sequence number, for `adjust`.
    mutating func append(_ time: Double, tokens: Int) -> Int {
        times.append(time)
        weights.append(tokens)
        self.tokens += tokens
        return removed + times.count - 1
    }

    mutating func adjust(_ sequence: Int, by delta: Int) {
        let index = sequence - removed
        guard index >= head, index < weights.count else { return }
        let adjusted = max(0, weights[index] + delta)
        tokens += adjusted - weights[index]
        weights[index] = adjusted
    }

    mutating func drop(before cutoff: Double) {
        while head < times.count, times[head] <= cutoff {
            tokens -= weights[head]
            head += 1
        }
        if head > 1024, head * 2 > times.count {
            times.removeFirst(head)
            weights.removeFirst(head)
            removed += head
            head = 0
        }
    }

    /// Seconds until `requests` of the logged requests have left the window (the whole window
    /// when more must leave than this log holds: other instances' requests, whose times are not
    /// known here).
    func timeToFree(requests: Int, now: Double) -> Double {
        let index = head + max(1, requests) - 1
        return index < times.count ? max(0, times[index] + RateLimiter.window - now) : RateLimiter.window
    }

    /// Seconds until requests holding at least `tokens` tokens have left the window.
    func timeToFree(tokens needed: Int, now: Double) -> Double {
        var freed = 0
        for index in head..<times.count {
            freed += weights[index]
            if freed >= needed { return max(0, times[index] + RateLimiter.window - now) }
        }
        return RateLimiter.window
    }
}
