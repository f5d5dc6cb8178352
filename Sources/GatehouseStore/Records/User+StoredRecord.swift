import GatehouseCore
import SQLKit

extension User: StoredRecord {
    static let table = "gatehouse_users"
    static let columns =
        ["id", "email", "alias", "role", "models"] + Limits.columns + ["metadata", "organization_id", "spend", "created_at_ms", "updated_at_ms"]

    var values: [any SQLExpression] {
        [SQLBind(id), SQLBind(email), SQLBind(alias), SQLBind(role.rawValue), Column.json(models)] + limits.values + [
            Column.json(metadata), SQLBind(organizationID), SQLBind(spend), SQLBind(Column.milliseconds(createdAt)),
            SQLBind(Column.milliseconds(updatedAt)),
        ]
    }

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
