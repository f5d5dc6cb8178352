import GatehouseCore
import SQLKit

extension VirtualKey: StoredRecord {
    static let table = "gatehouse_keys"
    static let recordColumns = leading + RecordColumn.part(Limits.recordColumns) { $0.limits } + trailing

    private static let leading: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("hash") { SQLBind($0.hash) },
        RecordColumn("display") { SQLBind($0.display) },
        RecordColumn("alias") { SQLBind($0.alias) },
        RecordColumn("models") { Column.json($0.models) },
        RecordColumn("metadata") { Column.json($0.metadata) },
        RecordColumn("user_id") { SQLBind($0.userID) },
        RecordColumn("team_id") { SQLBind($0.teamID) },
        RecordColumn("organization_id") { SQLBind($0.organizationID) },
    ]

    private static let trailing: [RecordColumn<Self>] = [
        RecordColumn("allowed_routes") { Column.json($0.allowedRoutes) },
        RecordColumn("blocked") { Column.bool($0.blocked) },
        RecordColumn("expires_at_ms") { SQLBind($0.expiresAt.map(Column.milliseconds)) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
        RecordColumn("spend") { SQLBind($0.spend) },
        RecordColumn("previous_hash") { SQLBind($0.previousHash) },
        RecordColumn("previous_valid_until_ms") { SQLBind($0.previousValidUntil.map(Column.milliseconds)) },
        RecordColumn("budget_id") { SQLBind($0.budgetID) },
    ]

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
        budgetID = try row.decode(column: "budget_id", as: String?.self)
    }
}
