import GatehouseCore
import SQLKit

extension Budget: StoredRecord {
    static let table = CustomerStore.budgets
    static let recordColumns = [RecordColumn<Self>("id") { SQLBind($0.id) }] + RecordColumn.part(Limits.recordColumns) { $0.limits } + trailing

    private static let trailing: [RecordColumn<Self>] = [
        RecordColumn("created_by") { SQLBind($0.createdBy) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(id: try row.decode(column: "id", as: String.self), createdAt: try Column.date(row, "created_at_ms"))
        limits = try Limits(row: row)
        createdBy = try row.decode(column: "created_by", as: String?.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
