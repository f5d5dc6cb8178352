import Foundation
public import GatehouseCore
import SQLKit

/// Budgets shared by several instances on one PostgreSQL: reservations are rows in the store,
/// taken under a row lock on the account's total, so every instance sees every other's requests
/// in flight and the bound on overspend stays zero across instances. A request costs two short
/// transactions (reserve, then settle together with its spend row); an instance that dies with
/// requests in flight leaves holds that expire on their own.
public struct SharedBudgets: Sendable {
    let source: any SQLConnectionSource
    static let holds = "gatehouse_budget_holds"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    public struct Reservation: Sendable {
        public var id: String
        /// Accounts with a budget and the period each is held in.
        public var charges: [BudgetLedger.Charge]
    }

    /// Holds `cost` at every budgeted subject, or throws the refusal (nothing held).
    /// - Parameters:
    ///   - subjects: each subject with its account and current period.
    ///   - mode: each subject's admission (a `spend` subject holds nothing).
    public func reserve(
        _ subjects: [(subject: LimitSubject, charge: BudgetLedger.Charge)], cost: USD, now: Date, holdFor seconds: Double,
        mode: @escaping @Sendable (LimitSubject) -> BudgetAdmission = { _ in .reserve }
    ) async throws -> Reservation {
        let id = UUID().uuidString.lowercased()
        let nowMs = Column.milliseconds(now)
        let expires = Column.milliseconds(now.addingTimeInterval(seconds))
        let ordered = subjects.sorted { $0.charge.account < $1.charge.account }
        try await source.withTransaction { db in
            for (subject, charge) in ordered {
                try await db.insert(into: SpendStore.totals)
                    .columns("account", "period_start_ms", "spend_units", "requests", "prompt_tokens", "completion_tokens")
                    .values(
                        SQLBind(charge.account), SQLBind(charge.periodStart), SQLBind(Int64(0)), SQLBind(Int64(0)), SQLBind(Int64(0)),
                        SQLBind(Int64(0))
                    )
                    .ignoringConflicts(with: ["account", "period_start_ms"])
                    .run()
                let (spent, held) = try await Self.committed(charge, in: db, now: nowMs, lock: true)
                if let refusal = BudgetLedger.refusal(subject, mode: mode(subject), spent: spent, held: held, cost: cost) {
                    throw refusal
                }
            }
            for (subject, charge) in ordered {
                // A `spend` level holds nothing; its row still names the account the settlement totals.
                let units = mode(subject) == .spend ? 0 : cost.units
                try await db.insert(into: Self.holds).columns("id", "account", "period_start_ms", "units", "expires_at_ms")
                    .values(SQLBind(id), SQLBind(charge.account), SQLBind(charge.periodStart), SQLBind(units), SQLBind(expires)).run()
            }
        }
        return Reservation(id: id, charges: ordered.map(\.charge))
    }

    /// What an account has spent and what requests in flight hold there, in its period.
    /// - Parameter lock: take the row lock on the total (inside a reserving transaction).
    static func committed(_ charge: BudgetLedger.Charge, in db: any SQLDatabase, now: Int64, lock: Bool) async throws -> (USD, USD) {
        var total = db.select().column("spend_units").from(SpendStore.totals)
            .where("account", .equal, charge.account).where("period_start_ms", .equal, charge.periodStart)
        if lock { total = total.lockingClause(SQLLockingClause.update) }
        let spent = try await total.first()?.decode(column: "spend_units", as: Int64.self) ?? 0
        let held =
            try await db.select().column(SQLRaw("CAST(COALESCE(SUM(units), 0) AS BIGINT)"), as: "held").from(Self.holds)
            .where("account", .equal, charge.account).where("period_start_ms", .equal, charge.periodStart)
            .where("expires_at_ms", .greaterThan, now).first()?.decode(column: "held", as: Int64.self) ?? 0
        return (USD(units: spent), USD(units: held))
    }

    /// The least room left at the subjects that hold what they admit (`reserve`, `fit`); nil when
    /// none does. Read without locks: a reservation made with it may still be refused.
    public func headroom(
        _ subjects: [(subject: LimitSubject, charge: BudgetLedger.Charge)], now: Date, mode: @escaping @Sendable (LimitSubject) -> BudgetAdmission
    ) async throws -> USD? {
        let nowMs = Column.milliseconds(now)
        let holding = subjects.filter { $0.subject.maxBudget != nil && mode($0.subject) != .spend }
        return try await source.withDatabase { db in
            var least: USD?
            for (subject, charge) in holding {
                let (spent, held) = try await Self.committed(charge, in: db, now: nowMs, lock: false)
                let room = max(.zero, subject.maxBudget! - spent - held)
                least = min(least ?? room, room)
            }
            return least
        }
    }

    /// Returns the hold and writes the request's spend, in one transaction.
    /// - Returns: the new totals of the held accounts (for soft budget alerts).
    @discardableResult
    public func settle(_ reservation: Reservation, record: SpendRecord) async throws -> [BudgetLedger.Charge: USD] {
        try await source.withTransaction { db in
            try await db.delete(from: Self.holds).where("id", .equal, reservation.id).run()
            try await SpendStore.write([record], in: db)
            var totals: [BudgetLedger.Charge: USD] = [:]
            for charge in reservation.charges {
                let units = try await db.select().column("spend_units").from(SpendStore.totals)
                    .where("account", .equal, charge.account).where("period_start_ms", .equal, charge.periodStart)
                    .first()?.decode(column: "spend_units", as: Int64.self)
                totals[charge] = USD(units: units ?? 0)
            }
            return totals
        }
    }

    /// Returns a hold without spending (the request was refused further on).
    public func release(_ reservation: Reservation) async throws {
        try await source.withDatabase { db in try await db.delete(from: Self.holds).where("id", .equal, reservation.id).run() }
    }

    /// Removes holds that expired (of instances that stopped with requests in flight).
    public func removeExpired(now: Date) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.holds).where("expires_at_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now))).run()
        }
    }
}
