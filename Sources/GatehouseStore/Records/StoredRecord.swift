import Foundation
import GatehouseCore
import SQLKit

/// A value kept as one row of one table. `RecordTable` does the SQL; conformers declare each
/// column once, its name with the value written to it, and read a row by column name, so keys,
/// users, teams, organizations, OAuth clients and certificate bindings share one implementation.
protocol StoredRecord: Sendable {
    static var table: String { get }
    /// Every column, the primary key `id` first.
    static var recordColumns: [RecordColumn<Self>] { get }
    var id: String { get }
    init(row: any SQLRow) throws
}

extension StoredRecord {
    /// The column names, `id` first (what a select reads).
    static var columns: [String] { recordColumns.map(\.name) }

    /// Each column's name with this record's value for it.
    var columnValues: [(name: String, value: any SQLExpression)] { Self.recordColumns.map { ($0.name, $0.value(self)) } }
}

/// One column of a record's table: its name, declared with the value written to it.
struct RecordColumn<Record>: Sendable {
    let name: String
    let value: @Sendable (Record) -> any SQLExpression

    init(_ name: String, _ value: @escaping @Sendable (Record) -> any SQLExpression) {
        self.name = name
        self.value = value
    }

    /// The columns of a part of the record (its limits), read through `part`.
    static func part<Part>(_ columns: [RecordColumn<Part>], _ part: @escaping @Sendable (Record) -> Part) -> [RecordColumn<Record>] {
        columns.map { column in RecordColumn(column.name) { column.value(part($0)) } }
    }
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
    /// `model_limits` holds the limits shaped as JSON: per-model windows, allowed networks and
    /// the budget admission mode.
    static let recordColumns: [RecordColumn<Limits>] = [
        RecordColumn("max_budget") { SQLBind($0.maxBudget) },
        RecordColumn("budget_duration") { SQLBind($0.budgetDuration) },
        RecordColumn("rpm_limit") { SQLBind($0.rpmLimit.map(Int64.init)) },
        RecordColumn("tpm_limit") { SQLBind($0.tpmLimit.map(Int64.init)) },
        RecordColumn("max_parallel_requests") { SQLBind($0.maxParallelRequests.map(Int64.init)) },
        RecordColumn("soft_budget") { SQLBind($0.softBudget) },
        RecordColumn("rpd_limit") { SQLBind($0.rpdLimit.map(Int64.init)) },
        RecordColumn("tpd_limit") { SQLBind($0.tpdLimit.map(Int64.init)) },
        RecordColumn("model_limits") { SQLBind($0.modelLimitsJSON.map(JSONCoding.encodeString)) },
    ]

    private var modelLimitsJSON: JSONValue? {
        var models: JSONValue? =
            modelRPMLimit.isEmpty && modelTPMLimit.isEmpty
            ? nil : ["rpm": .object(modelRPMLimit.mapValues { JSONValue($0) }), "tpm": .object(modelTPMLimit.mapValues { JSONValue($0) })]
        if !allowedIPs.isEmpty {
            models = models ?? [:]
            models?["allowed_ips"] = .array(allowedIPs.map { .string($0.description) })
        }
        if let budgetAdmission {
            models = models ?? [:]
            models?["budget_admission"] = .string(budgetAdmission.rawValue)
        }
        return models
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
            budgetAdmission = models["budget_admission"]?.stringValue.flatMap(BudgetAdmission.init)
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

    /// Every limit column a level has now (a table made after version 6).
    func allLimitColumns() -> Self {
        limitColumns()
            .column("soft_budget", type: .custom(SQLRaw("DOUBLE PRECISION")))
            .column("rpd_limit", type: .bigint)
            .column("tpd_limit", type: .bigint)
            .column("model_limits", type: .text)
    }
}
