import Foundation
import GatehouseCore
import GatehouseStore

/// The `spend` that `/key/info`, `/user/info`, `/team/info` and `/organization/info` show: the
/// object's total in its current budget period, as the store holds it (every instance's spend,
/// this instance's settled and written out first).
struct SpendLookup: Sendable {
    let store: SpendStore
    let writer: SpendWriter?
    let settlements: Settlements?
    let ledger: BudgetLedger

    func overlay<Record: SpendBearing>(_ records: [Record]) async throws -> [Record] {
        guard !records.isEmpty else { return records }
        await settlements?.drain()
        await writer?.flush()
        let now = Date()
        let charges = records.map {
            ledger.charge(for: LimitSubject(id: Record.level.subject($0.id), level: Record.level, limits: $0.limits), at: now)
        }
        let totals = try await store.totals(of: charges)
        return zip(records, charges).map { record, charge in
            var record = record
            record.spend = (totals[charge] ?? .zero).dollars
            return record
        }
    }

    func overlay<Record: SpendBearing>(_ record: Record) async throws -> Record {
        try await overlay([record])[0]
    }
}

/// A directory object whose spend is shown.
protocol SpendBearing: Sendable {
    static var level: LimitLevel { get }
    var id: String { get }
    var limits: Limits { get }
    var spend: Double { get set }
}

extension VirtualKey: SpendBearing { static var level: LimitLevel { .key } }
extension User: SpendBearing { static var level: LimitLevel { .user } }
extension Team: SpendBearing { static var level: LimitLevel { .team } }
extension Organization: SpendBearing { static var level: LimitLevel { .organization } }
