import GatehouseCore
import SQLKit

extension VirtualKey: StoredRecord {
    static let table = "gatehouse_keys"
    static let columns =
        ["id", "hash", "display", "alias", "models", "metadata", "user_id", "team_id", "organization_id"] + Limits.columns + [
            "allowed_routes", "blocked", "expires_at_ms", "created_at_ms", "updated_at_ms", "spend", "previous_hash", "previous_valid_until_ms",
        ]

    var values: [any SQLExpression] {
        [
            SQLBind(id), SQLBind(hash), SQLBind(display), SQLBind(alias), Column.json(models), Column.json(metadata), SQLBind(userID),
            SQLBind(teamID), SQLBind(organizationID),
        ] + limits.values + [
            Column.json(allowedRoutes), Column.bool(blocked), SQLBind(expiresAt.map(Column.milliseconds)),
            SQLBind(Column.milliseconds(createdAt)), SQLBind(Column.milliseconds(updatedAt)), SQLBind(spend), SQLBind(previousHash),
            SQLBind(previousValidUntil.map(Column.milliseconds)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), hash: try row.decode(column: "hash", as: String.self),
            display: try row.decode(column: "display", as: String.self), createdAt: try Column.date(row, "created_at_ms")
        )
        alias = try row.decode(column: "alias", as: String?.self)
        models = try Column.strings(row, "models")
        metadata = try Column.object(row, "metadata")
        userID = try row.decode(column: "user_id", as: String?.self)
        teamID = try row.decode(column: "team_id", as: String?.self)
        organizationID = try row.decode(column: "organization_id", as: String?.self)
        limits = try Limits(row: row)
        allowedRoutes = try Column.strings(row, "allowed_routes")
        blocked = try Column.bool(row, "blocked")
        expiresAt = try Column.optionalDate(row, "expires_at_ms")
        updatedAt = try Column.date(row, "updated_at_ms")
        spend = try row.decode(column: "spend", as: Double.self)
        previousHash = try row.decode(column: "previous_hash", as: String?.self)
        previousValidUntil = try Column.optionalDate(row, "previous_valid_until_ms")
    }
}
