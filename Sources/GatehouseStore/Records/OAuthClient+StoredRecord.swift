import GatehouseCore
import SQLKit

extension OAuthClient: StoredRecord {
    static let table = "gatehouse_oauth_clients"
    static let columns =
        ["id", "secret_hash", "name", "scopes", "models", "user_id", "team_id", "organization_id"] + Limits.columns + [
            "metadata", "blocked", "created_at_ms", "updated_at_ms",
        ]

    var values: [any SQLExpression] {
        [
            SQLBind(id), SQLBind(secretHash), SQLBind(name), Column.json(scopes), Column.json(models), SQLBind(userID), SQLBind(teamID),
            SQLBind(organizationID),
        ] + limits.values + [
            Column.json(metadata), Column.bool(blocked), SQLBind(Column.milliseconds(createdAt)), SQLBind(Column.milliseconds(updatedAt)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), secretHash: try row.decode(column: "secret_hash", as: String.self),
            createdAt: try Column.date(row, "created_at_ms"))
        name = try row.decode(column: "name", as: String?.self)
        scopes = try Column.strings(row, "scopes")
        models = try Column.strings(row, "models")
        userID = try row.decode(column: "user_id", as: String?.self)
        teamID = try row.decode(column: "team_id", as: String?.self)
        organizationID = try row.decode(column: "organization_id", as: String?.self)
        limits = try Limits(row: row)
        metadata = try Column.object(row, "metadata")
        blocked = try Column.bool(row, "blocked")
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
