import GatehouseCore
import SQLKit

extension Organization: StoredRecord {
    static let table = "gatehouse_organizations"
    static let columns = ["id", "alias", "models"] + Limits.columns + ["metadata", "spend", "created_at_ms", "updated_at_ms"]

    var values: [any SQLExpression] {
        [SQLBind(id), SQLBind(alias), Column.json(models)] + limits.values + [
            Column.json(metadata), SQLBind(spend), SQLBind(Column.milliseconds(createdAt)), SQLBind(Column.milliseconds(updatedAt)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), alias: try row.decode(column: "alias", as: String.self),
            createdAt: try Column.date(row, "created_at_ms")
        )
        models = try Column.strings(row, "models")
        limits = try Limits(row: row)
        metadata = try Column.object(row, "metadata")
        spend = try row.decode(column: "spend", as: Double.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
