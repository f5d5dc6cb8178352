import GatehouseCore
import SQLKit

extension User: StoredRecord {
    static let table = "gatehouse_users"
    static let recordColumns = leading + RecordColumn.part(Limits.recordColumns) { $0.limits } + trailing

    private static let leading: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("email") { SQLBind($0.email) },
        RecordColumn("alias") { SQLBind($0.alias) },
        RecordColumn("role") { SQLBind($0.role.rawValue) },
        RecordColumn("models") { Column.json($0.models) },
    ]

    private static let trailing: [RecordColumn<Self>] = [
        RecordColumn("metadata") { Column.json($0.metadata) },
        RecordColumn("organization_id") { SQLBind($0.organizationID) },
        RecordColumn("spend") { SQLBind($0.spend) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(id: try row.decode(column: "id", as: String.self), createdAt: try Column.date(row, "created_at_ms"))
        email = try row.decode(column: "email", as: String?.self)
        alias = try row.decode(column: "alias", as: String?.self)
        role = Principal.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .internalUserViewer
        models = try Column.strings(row, "models")
        limits = try Limits(row: row)
        metadata = try Column.object(row, "metadata")
        organizationID = try row.decode(column: "organization_id", as: String?.self)
        spend = try row.decode(column: "spend", as: Double.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
