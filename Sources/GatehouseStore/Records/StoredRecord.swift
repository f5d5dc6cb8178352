import Foundation
import GatehouseCore
import SQLKit

/// A value kept as one row of one table. `RecordTable` does the SQL; conformers only say how a
/// value maps to columns, so keys, users, teams and organizations share one implementation.
protocol StoredRecord: Sendable {
    static var table: String { get }
    /// Column names, the primary key `id` first, in the order of `values`.
    static var columns: [String] { get }
    var id: String { get }
    var values: [any SQLExpression] { get }
    init(row: any SQLRow) throws
}

/// Column conventions shared by every record: JSON text for lists and objects, milliseconds since
/// 1970 for dates, 0/1 for booleans (the same SQL on SQLite and PostgreSQL).
enum Column {
    static func milliseconds(_ date: Date) -> Int64 { Int64(saturating: (date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    static func json(_ strings: [String]) -> SQLBind { SQLBind(JSONCoding.encodeString(.array(strings.map(JSONValue.string)))) }
    static func json(_ value: JSONValue) -> SQLBind { SQLBind(JSONCoding.encodeString(value)) }

    static func strings(_ row: any SQLRow, _ column: String) throws -> [String] {
        let text = try row.decode(column: column, as: String.self)
        return ((try? JSONCoding.decode(Array(text.utf8)))?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func object(_ row: any SQLRow, _ column: String) throws -> JSONValue {
        (try? JSONCoding.decode(Array(try row.decode(column: column, as: String.self).utf8))) ?? [:]
    }

    static func date(_ row: any SQLRow, _ column: String) throws -> Date {
        date(try row.decode(column: column, as: Int64.self))
    }

    static func optionalDate(_ row: any SQLRow, _ column: String) throws -> Date? {
        try row.decode(column: column, as: Int64?.self).map(date)
    }

    static func int(_ row: any SQLRow, _ column: String) throws -> Int? {
        try row.decode(column: column, as: Int64?.self).map(Int.init)
    }

    static func bool(_ row: any SQLRow, _ column: String) throws -> Bool {
        try row.decode(column: column, as: Int64.self) != 0
    }

    static func bool(_ value: Bool) -> SQLBind { SQLBind(Int64(value ? 1 : 0)) }
}

extension Limits {
    static let columns = [
        "max_budget", "budget_duration", "rpm_limit", "tpm_limit", "max_parallel_requests", "soft_budget", "rpd_limit", "tpd_limit",
        "model_limits",
    ]

    var values: [any SQLExpression] {
        // `model_limits` holds the limits shaped as JSON: per-model windows and allowed networks.
        var models: JSONValue? =
            modelRPMLimit.isEmpty && modelTPMLimit.isEmpty
            ? nil : ["rpm": .object(modelRPMLimit.mapValues { JSONValue($0) }), "tpm": .object(modelTPMLimit.mapValues { JSONValue($0) })]
        if !allowedIPs.isEmpty {
            models = models ?? [:]
            models?["allowed_ips"] = .array(allowedIPs.map { .string($0.description) })
        }
        return [
            SQLBind(maxBudget), SQLBind(budgetDuration), SQLBind(rpmLimit.map(Int64.init)), SQLBind(tpmLimit.map(Int64.init)),
            SQLBind(maxParallelRequests.map(Int64.init)), SQLBind(softBudget), SQLBind(rpdLimit.map(Int64.init)), SQLBind(tpdLimit.map(Int64.init)),
            SQLBind(models.map(JSONCoding.encodeString)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(
            maxBudget: try row.decode(column: "max_budget", as: Double?.self), softBudget: try row.decode(column: "soft_budget", as: Double?.self),
            budgetDuration: try row.decode(column: "budget_duration", as: String?.self),
            rpmLimit: try Column.int(row, "rpm_limit"), tpmLimit: try Column.int(row, "tpm_limit"), rpdLimit: try Column.int(row, "rpd_limit"),
            tpdLimit: try Column.int(row, "tpd_limit"), maxParallelRequests: try Column.int(row, "max_parallel_requests")
        )
        if let text = try row.decode(column: "model_limits", as: String?.self), let models = try? JSONCoding.decode(Array(text.utf8)) {
            modelRPMLimit = (models["rpm"]?.objectValue ?? [:]).compactMapValues(\.intValue)
            modelTPMLimit = (models["tpm"]?.objectValue ?? [:]).compactMapValues(\.intValue)
            allowedIPs = (models["allowed_ips"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(IPNetwork.init) }
        }
    }
}

extension SQLCreateTableBuilder {
    /// The limit columns every level of the chain had at version 4 (version 6 adds more).
    func limitColumns() -> Self {
        column("max_budget", type: .custom(SQLRaw("DOUBLE PRECISION")))
            .column("budget_duration", type: .text)
            .column("rpm_limit", type: .bigint)
            .column("tpm_limit", type: .bigint)
            .column("max_parallel_requests", type: .bigint)
    }
}
