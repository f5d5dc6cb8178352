import GatehouseCore
import SQLKit

extension Team: StoredRecord {
    static let table = "gatehouse_teams"
    static let columns =
        ["id", "alias", "organization_id", "models"] + Limits.columns + ["metadata", "blocked", "spend", "created_at_ms", "updated_at_ms"]

    var values: [any SQLExpression] {
        [SQLBind(id), SQLBind(alias), SQLBind(organizationID), Column.json(models)] + limits.values + [
            Column.json(metadata), Column.bool(blocked), SQLBind(spend), SQLBind(Column.milliseconds(createdAt)),
            SQLBind(Column.milliseconds(updatedAt)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(id: try row.decode(column: "id", as: String.self), createdAt: try Column.date(row, "created_at_ms"))
        alias = try row.decode(column: "alias", as: String?.self)
        organizationID = try row.decode(column: "organization_id", as: String?.self)
        models = try Column.strings(row, "models")
        limits = try Limits(row: row)
        metadata = try Column.object(row, "metadata")
        blocked = try Column.bool(row, "blocked")
        spend = try row.decode(column: "spend", as: Double.self)
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
