import Foundation
public import GatehouseCore
import GatehouseStore

/// Where an object's chain of limits stands now: for every level (the key, its user, team,
/// organization…), each limit, what is used of it, when it starts again, and which level binds —
/// the one with the least room, whose limit a request meets first. What the console's limits
/// panel shows, so nobody has to guess which budget applies and when it resets.
public struct LimitStanding: Sendable {
    /// One kind of limit a level may set.
    public enum Measure: String, Sendable, CaseIterable {
        case budget
        case requestsPerMinute
        case tokensPerMinute
        case requestsPerDay
        case tokensPerDay
    }

    public struct Level: Sendable {
        public var level: LimitLevel
        /// The object's id at this level (`team_1`; `team_1/alice` for a member within a team).
        public var id: String
        public var limits: Limits
        /// Spend in the budget's current period, across every instance.
        public var spent: USD
        /// When the budget's period ends; nil when it never resets.
        public var budgetResets: Date?
        /// Requests and tokens in the last minute and today, across every instance.
        public var used: RateLimiter.Usage

        public init(level: LimitLevel, id: String, limits: Limits, spent: USD, budgetResets: Date?, used: RateLimiter.Usage) {
            self.level = level
            self.id = id
            self.limits = limits
            self.spent = spent
            self.budgetResets = budgetResets
            self.used = used
        }

        /// The limit the level sets for `measure` (dollars for the budget); nil when it sets none.
        public func limit(_ measure: Measure) -> Double? {
            switch measure {
            case .budget: limits.maxBudget
            case .requestsPerMinute: limits.rpmLimit.map(Double.init)
            case .tokensPerMinute: limits.tpmLimit.map(Double.init)
            case .requestsPerDay: limits.rpdLimit.map(Double.init)
            case .tokensPerDay: limits.tpdLimit.map(Double.init)
            }
        }

        public func use(_ measure: Measure) -> Double {
            switch measure {
            case .budget: spent.dollars
            case .requestsPerMinute: Double(used.minuteRequests)
            case .tokensPerMinute: Double(used.minuteTokens)
            case .requestsPerDay: Double(used.dayRequests)
            case .tokensPerDay: Double(used.dayTokens)
            }
        }

        /// What is left of the limit (never below zero); nil when the level sets none.
        public func room(_ measure: Measure) -> Double? { limit(measure).map { max(0, $0 - use(measure)) } }
    }

    public var levels: [Level]
    /// When the day counts start again (midnight in the configured time zone).
    public var dayEnds: Date

    public init(levels: [Level], dayEnds: Date) {
        self.levels = levels
        self.dayEnds = dayEnds
    }

    /// The index of the level that binds `measure` now: the least room left, the lower level on a
    /// tie (the key before its team); nil when no level sets that limit.
    public func binding(_ measure: Measure) -> Int? {
        var best: (index: Int, room: Double)?
        for (index, level) in levels.enumerated() {
            guard let room = level.room(measure) else { continue }
            if best.map({ room < $0.room }) ?? true { best = (index, room) }
        }
        return best?.index
    }
}

extension SpendLookup {
    /// Where each subject stands now. Spend is read from the store (every instance's, this
    /// instance's settled first); requests and tokens from the rate limiter, which counts this
    /// instance's and what the others last reported.
    public func standing(of subjects: [LimitSubject], at now: Date = Date()) async throws -> LimitStanding {
        let charges = subjects.map { ledger.charge(for: $0, at: now) }
        let totals = try await settled().totals(of: charges)
        let time = now.timeIntervalSince1970
        let (usage, dayEnd) = limiter?.usage(of: subjects.map(\.id), at: time) ?? ([:], time)
        let levels = zip(subjects, charges).map { subject, charge in
            LimitStanding.Level(
                level: subject.level, id: subject.idWithin, limits: subject.limits,
                spent: totals[charge] ?? .zero, budgetResets: ledger.periodEnd(for: subject, at: now),
                used: usage[subject.id] ?? RateLimiter.Usage())
        }
        return LimitStanding(levels: levels, dayEnds: Date(timeIntervalSince1970: dayEnd))
    }
}

extension SpendLookup {
    /// Where each subject stood when a request was admitted, from the spend rows before it: its
    /// spend in the budget period the request fell in, and its requests and tokens in the minute
    /// and the day before it. Limits are the subjects' as given (today's).
    public func standing(of subjects: [LimitSubject], before record: SpendRecord) async throws -> LimitStanding {
        let store = await settled()
        let moment = record.startedAt
        let day = limiter?.day(containing: moment.timeIntervalSince1970) ?? (start: moment.timeIntervalSince1970, end: moment.timeIntervalSince1970)
        var levels: [LimitStanding.Level] = []
        for subject in subjects {
            let budgetFrom = Date(timeIntervalSince1970: Double(ledger.charge(for: subject, at: moment).periodStart) / 1000)
            let use = try await store.use(
                of: subject.level, id: subject.idWithin, before: moment, budgetFrom: budgetFrom, dayFrom: Date(timeIntervalSince1970: day.start))
            let used = RateLimiter.Usage(
                minuteRequests: use.minuteRequests, minuteTokens: use.minuteTokens, day: day.start, dayRequests: use.dayRequests,
                dayTokens: use.dayTokens)
            levels.append(
                LimitStanding.Level(
                    level: subject.level, id: subject.idWithin, limits: subject.limits, spent: use.spend,
                    budgetResets: ledger.periodEnd(for: subject, at: moment), used: used))
        }
        return LimitStanding(levels: levels, dayEnds: Date(timeIntervalSince1970: day.end))
    }
}
