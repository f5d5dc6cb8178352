import Foundation
import Synchronization

/// Spend per account (key, user, team, organization, and any level with a budget) in its current
/// budget period, with the cost reserved by requests in flight. Exact on one instance: a request
/// is admitted only if, at every level with a `max_budget`, what was spent plus what requests in
/// flight may still spend plus this request's worst case fits; the reservation is replaced by the
/// actual cost when the request ends. So concurrent requests cannot overspend: the bound on
/// overspend is zero as long as a request's actual cost stays within its worst case.
public final class BudgetLedger: Sendable {
    struct Account {
        /// Seconds since 1970 of the period's start; 0 for a budget without duration.
        var periodStart: Double
        var periodEnd: Double
        var spent = USD.zero
        var reserved = USD.zero
        var softAlerted = false
    }

    /// Reserved cost at each budgeted level, returned when the request ends.
    public struct Hold: Sendable {
        /// The subjects the amount is held at (the caller's own list when every one of them
        /// holds, so that a request's hold allocates nothing).
        var subjects: [LimitSubject] = []
        public var amount = USD.zero

        /// Nothing held.
        public init() {}

        init(subjects: [LimitSubject], amount: USD) {
            self.subjects = subjects
            self.amount = amount
        }
    }

    public struct Refusal: Error, Sendable, Equatable {
        public var level: LimitLevel
        public var spent: USD
        public var maxBudget: USD
        /// What the level could still take: its budget less what is spent and held.
        public var remaining: USD
        public var admission: BudgetAdmission

        public init(level: LimitLevel, spent: USD, maxBudget: USD, remaining: USD = .zero, admission: BudgetAdmission = .reserve) {
            self.level = level
            self.spent = spent
            self.maxBudget = maxBudget
            self.remaining = remaining
            self.admission = admission
        }
    }

    /// Whether a budget with `committed` spent or held has room for `cost` more. A budget spent
    /// to the last unit admits nothing, not even a free request.
    public static func affords(_ limit: USD, committed: USD, cost: USD) -> Bool {
        committed < limit && committed + cost <= limit
    }

    /// The admission rule of one level: `spend` looks at spend alone and holds nothing; `reserve`
    /// and `fit` hold the cost where it fits in what is neither spent nor held.
    /// - Returns: the refusal, or nil when the level admits the request.
    public static func refusal(
        _ subject: LimitSubject, mode: BudgetAdmission, spent: USD, held: USD, cost: USD
    ) -> Refusal? {
        guard let limit = subject.maxBudget else { return nil }
        let remaining = max(.zero, limit - spent - held)
        let admitted = mode == .spend ? spent < limit : affords(limit, committed: spent + held, cost: cost)
        return admitted ? nil : Refusal(level: subject.level, spent: spent, maxBudget: limit, remaining: remaining, admission: mode)
    }

    /// What one request's cost was added to: the account and the period it counts in.
    public struct Charge: Sendable, Hashable {
        public var account: String
        /// Milliseconds since 1970 of the period's start; 0 without a budget duration.
        public var periodStart: Int64

        public init(account: String, periodStart: Int64) {
            self.account = account
            self.periodStart = periodStart
        }
    }

    public struct Settlement: Sendable {
        public var charges: [Charge] = []
        /// Levels whose spend crossed their `soft_budget` with this request (once per period).
        public var softBudgetCrossed: [(subject: LimitSubject, spent: USD)] = []
    }

    private let accounts = Mutex<[String: Account]>([:])
    private let calendar: Calendar

    public init(calendar: Calendar = BudgetPeriod.calendar(timeZone: nil)!) {
        self.calendar = calendar
    }

    /// Spend recorded before this instance started (the store's totals): for each account, the
    /// total of the period that starts at `periodStart` (ms; 0 without duration). Older periods
    /// of the same account are ignored.
    public func load(account: String, periodStart: Int64, spent: USD) {
        let start = Double(periodStart) / 1000
        accounts.withLock { accounts in
            if let held = accounts[account], held.periodStart > start { return }
            if let held = accounts[account], held.periodStart == start {
                accounts[account]!.spent = held.spent + spent
                return
            }
            accounts[account] = Account(periodStart: start, periodEnd: start, spent: spent)
        }
    }

    /// Reserves `cost` at every subject with a `max_budget`, or nowhere if one has no room.
    /// - Parameter mode: each subject's admission (a `spend` subject holds nothing).
    public func reserve(
        _ subjects: [LimitSubject], cost: USD, at now: Date, mode: (LimitSubject) -> BudgetAdmission = { _ in .reserve }
    ) -> Result<Hold, Refusal> {
        guard subjects.contains(where: { $0.maxBudget != nil }) else { return .success(Hold()) }
        // The caller's list is kept as it is when every subject in it holds (the common case).
        let holds = { (subject: LimitSubject) in subject.maxBudget != nil && mode(subject) != .spend }
        let holding = subjects.allSatisfy(holds) ? subjects : subjects.filter(holds)
        let time = now.timeIntervalSince1970
        return accounts.withLock { accounts in
            for subject in subjects where subject.maxBudget != nil {
                let account = accounts.values[place(&accounts, subject, at: time)]
                if let refusal = Self.refusal(subject, mode: mode(subject), spent: account.spent, held: account.reserved, cost: cost) {
                    return .failure(refusal)
                }
            }
            for subject in holding { accounts[subject.id]!.reserved += cost }
            return .success(Hold(subjects: holding, amount: cost))
        }
    }

    /// The least room left at the subjects that hold what they admit (`reserve`, `fit`): the most a
    /// request may cost there now. Nil when no subject holds.
    public func headroom(_ subjects: [LimitSubject], at now: Date, mode: (LimitSubject) -> BudgetAdmission) -> USD? {
        let time = now.timeIntervalSince1970
        return accounts.withLock { accounts in
            subjects.filter { $0.maxBudget != nil && mode($0) != .spend }.map { subject in
                let account = accounts.values[place(&accounts, subject, at: time)]
                return max(.zero, subject.maxBudget! - account.spent - account.reserved)
            }.min()
        }
    }

    /// Returns the hold and adds the actual cost to every account in `subjects`.
    public func settle(_ hold: Hold, cost: USD, subjects: [LimitSubject], at now: Date) -> Settlement {
        let time = now.timeIntervalSince1970
        return accounts.withLock { accounts in
            for subject in hold.subjects { accounts[subject.id]?.reserved -= hold.amount }
            var settlement = Settlement()
            settlement.charges.reserveCapacity(subjects.count)
            for subject in subjects {
                // Changed where it lies: one lookup of the subject's id.
                let place = place(&accounts, subject, at: time)
                accounts.values[place].spent += cost
                let account = accounts.values[place]
                if let soft = subject.softBudget, !account.softAlerted, account.spent >= soft {
                    accounts.values[place].softAlerted = true
                    settlement.softBudgetCrossed.append((subject, account.spent))
                }
                settlement.charges.append(Charge(account: subject.id, periodStart: Self.milliseconds(account.periodStart)))
            }
            return settlement
        }
    }

    /// The account and current period a subject's spend is kept under.
    public func charge(for subject: LimitSubject, at now: Date) -> Charge {
        let start = subject.period.map { $0.period(containing: now, calendar: calendar).start.timeIntervalSince1970 } ?? 0
        return Charge(account: subject.id, periodStart: Self.milliseconds(start))
    }

    /// When the subject's current budget period ends (its spend starts again); nil when its
    /// budget never resets.
    public func periodEnd(for subject: LimitSubject, at now: Date) -> Date? {
        subject.period.map { $0.period(containing: now, calendar: calendar).end }
    }

    static func milliseconds(_ seconds: Double) -> Int64 { Int64(saturating: (seconds * 1000).rounded()) }

    /// What the subject has spent in its current period, as this instance has counted it.
    public func spent(_ subject: LimitSubject, at now: Date) -> USD {
        accounts.withLock { accounts in accounts.values[place(&accounts, subject, at: now.timeIntervalSince1970)].spent }
    }

    /// Where the subject's account lies in `accounts` (made if it has none), moved to the period
    /// containing `time` if its period has ended (spend starts again from zero; reservations of
    /// requests in flight carry over). The callers read and change the account there: each
    /// lookup by id hashes the id again.
    private func place(_ accounts: inout [String: Account], _ subject: LimitSubject, at time: Double) -> [String: Account].Index {
        guard let index = accounts.index(forKey: subject.id) else {
            accounts[subject.id] = fresh(subject, at: time, after: nil)
            return accounts.index(forKey: subject.id)!
        }
        let account = accounts.values[index]
        let inPeriod =
            subject.period == nil
            ? account.periodStart == 0 : account.periodStart < account.periodEnd && time >= account.periodStart && time < account.periodEnd
        if !inPeriod { accounts.values[index] = fresh(subject, at: time, after: account) }
        return index
    }

    /// The subject's account for the period containing `time`, after `old` (its account until now).
    private func fresh(_ subject: LimitSubject, at time: Double, after old: Account?) -> Account {
        var fresh: Account
        if let period = subject.period {
            let (start, end) = period.period(containing: Date(timeIntervalSince1970: time), calendar: calendar)
            fresh = Account(periodStart: start.timeIntervalSince1970, periodEnd: end.timeIntervalSince1970)
        } else {
            fresh = Account(periodStart: 0, periodEnd: 0)
        }
        if let old {
            fresh.reserved = old.reserved
            // Loaded from the store with the start of its period only: the same period still.
            if old.periodStart == fresh.periodStart {
                fresh.spent = old.spent
                // After a restart, a period already past its soft budget was alerted before.
                fresh.softAlerted = old.softAlerted || subject.softBudget.map { old.spent >= $0 } ?? false
            }
        }
        return fresh
    }
}
