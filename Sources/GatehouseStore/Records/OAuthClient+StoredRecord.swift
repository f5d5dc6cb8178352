import GatehouseCore
import SQLKit

extension OAuthClient: StoredRecord {
    static let table = "gatehouse_oauth_clients"
    static let recordColumns = leading + RecordColumn.part(Limits.recordColumns) { $0.limits } + trailing

    private static let leading: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("secret_hash") { SQLBind($0.secretHash) },
        RecordColumn("name") { SQLBind($0.name) },
        RecordColumn("scopes") { Column.json($0.scopes) },
        RecordColumn("models") { Column.json($0.models) },
        RecordColumn("user_id") { SQLBind($0.userID) },
        RecordColumn("team_id") { SQLBind($0.teamID) },
        RecordColumn("organization_id") { SQLBind($0.organizationID) },
    ]

    private static let trailing: [RecordColumn<Self>] = [
        RecordColumn("metadata") { Column.json($0.metadata) },
        RecordColumn("blocked") { Column.bool($0.blocked) },
        RecordColumn("grant_types") { Column.json($0.grantTypes) },
        RecordColumn("redirect_uris") { Column.json($0.redirectURIs) },
        RecordColumn("public") { Column.bool($0.isPublic) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

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
        // Clients registered before these columns: client credentials only.
        if try row.decode(column: "grant_types", as: String?.self) != nil { grantTypes = try Column.strings(row, "grant_types") }
        redirectURIs = try row.decode(column: "redirect_uris", as: String?.self) == nil ? [] : try Column.strings(row, "redirect_uris")
        isPublic = try row.decode(column: "public", as: Int64?.self).map { $0 != 0 } ?? false
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
