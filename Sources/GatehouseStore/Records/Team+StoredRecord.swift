import GatehouseCore
import SQLKit

extension Team: StoredRecord {
    static let table = "gatehouse_teams"
    static let recordColumns = leading + RecordColumn.part(Limits.recordColumns) { $0.limits } + trailing

    private static let leading: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("alias") { SQLBind($0.alias) },
        RecordColumn("organization_id") { SQLBind($0.organizationID) },
        RecordColumn("models") { Column.json($0.models) },
    ]

    private static let trailing: [RecordColumn<Self>] = [
        RecordColumn("metadata") { Column.json($0.metadata) },
        RecordColumn("model_aliases") { Column.json(.object($0.modelAliases.mapValues(JSONValue.string))) },
        RecordColumn("blocked") { Column.bool($0.blocked) },
        RecordColumn("spend") { SQLBind($0.spend) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(id: try row.decode(column: "id", as: String.self), createdAt: try Column.date(row, "created_at_ms"))
        alias = try row.decode(column: "alias", as: String?.self)
        organizationID = try row.decode(column: "organization_id", as: String?.self)
        models = try Column.strings(row, "models")
        limits = try Limits(row: row)
        metadata = try Column.object(row, "metadata")
        if let text = try row.decode(column: "model_aliases", as: String?.self), case .object(let aliases)? = try? JSONCoding.decode(Array(text.utf8))
        {
            modelAliases = aliases.compactMapValues(\.stringValue)
        }
        blocked = try Column.bool(row, "blocked")
        spend = try row.decode(column: "spend", as: Double.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
