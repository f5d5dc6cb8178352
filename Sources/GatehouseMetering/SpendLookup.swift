import Foundation
public import GatehouseCore
public import GatehouseStore

/// The `spend` that `/key/info`, `/user/info`, `/team/info` and `/organization/info` show: the
/// object's total in its current budget period, as the store holds it (every instance's spend,
/// this instance's settled and written out first).
public struct SpendLookup: Sendable {
    let store: SpendStore
    let writer: SpendWriter?
    let settlements: Settlements?
    let ledger: BudgetLedger
    /// Where the limits panel reads each level's requests and tokens in use.
    let limiter: RateLimiter?

    /// - Parameters:
    ///   - settlements: waited for before reading, as the writer is flushed.
    ///   - limiter: the request path's rate limiter (nil: no rate use is shown).
    public init(store: SpendStore, writer: SpendWriter?, settlements: Settlements?, ledger: BudgetLedger, limiter: RateLimiter? = nil) {
        self.store = store
        self.writer = writer
        self.settlements = settlements
        self.ledger = ledger
        self.limiter = limiter
    }

    /// The store, once the settlements queued so far are done and the spend rows written: what
    /// every reader of spend (`/spend/logs`, `/global/spend`…) reads from.
    public func settled() async -> SpendStore {
        await settlements?.drain()
        await writer?.flush()
        return store
    }

    public func overlay<Record: SpendBearing & LimitBearing>(_ records: [Record]) async throws -> [Record] {
        try await overlay(records) { $0.limits }
    }

    /// - Parameter limits: the limits a record is held to (whose budget period its spend is in).
    public func overlay<Record: SpendBearing>(_ records: [Record], limits: (Record) -> Limits) async throws -> [Record] {
        guard !records.isEmpty else { return records }
        let store = await settled()
        let now = Date()
        let charges = records.map {
            ledger.charge(for: LimitSubject(id: Record.level.subject($0.id), level: Record.level, limits: limits($0)), at: now)
        }
        let totals = try await store.totals(of: charges)
        return zip(records, charges).map { record, charge in
            var record = record
            record.spend = (totals[charge] ?? .zero).dollars
            return record
        }
    }

    public func overlay<Record: SpendBearing & LimitBearing>(_ record: Record) async throws -> Record {
        try await overlay([record])[0]
    }
}

/// A directory object whose spend is shown.
public protocol SpendBearing: Sendable {
    static var level: LimitLevel { get }
    var id: String { get }
    var spend: Double { get set }
}

/// A directory object that carries its own limits.
public protocol LimitBearing {
    var limits: Limits { get }
}

extension VirtualKey: SpendBearing, LimitBearing { public static var level: LimitLevel { .key } }
extension User: SpendBearing, LimitBearing { public static var level: LimitLevel { .user } }
extension Team: SpendBearing, LimitBearing { public static var level: LimitLevel { .team } }
extension Organization: SpendBearing, LimitBearing { public static var level: LimitLevel { .organization } }
extension EndUser: SpendBearing { public static var level: LimitLevel { .endUser } }
