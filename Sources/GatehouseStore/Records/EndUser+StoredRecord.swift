import GatehouseCore
import SQLKit

extension EndUser: StoredRecord {
    static let table = CustomerStore.endUsers
    static let recordColumns: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("alias") { SQLBind($0.alias) },
        RecordColumn("blocked") { Column.bool($0.blocked) },
        RecordColumn("budget_id") { SQLBind($0.budgetID) },
        RecordColumn("allowed_model_region") { SQLBind($0.allowedModelRegion) },
        RecordColumn("default_model") { SQLBind($0.defaultModel) },
        RecordColumn("models") { Column.json($0.models) },
        RecordColumn("metadata") { Column.json($0.metadata) },
        RecordColumn("spend") { SQLBind($0.spend) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(id: try row.decode(column: "id", as: String.self), createdAt: try Column.date(row, "created_at_ms"))
        alias = try row.decode(column: "alias", as: String?.self)
        blocked = try Column.bool(row, "blocked")
        budgetID = try row.decode(column: "budget_id", as: String?.self)
        allowedModelRegion = try row.decode(column: "allowed_model_region", as: String?.self)
        defaultModel = try row.decode(column: "default_model", as: String?.self)
        models = try Column.strings(row, "models")
        metadata = try Column.object(row, "metadata")
        spend = try row.decode(column: "spend", as: Double.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
