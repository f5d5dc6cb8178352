import GatehouseCore
import SQLKit

extension CertificateBinding: StoredRecord {
    static let table = "gatehouse_certificate_bindings"
    static let recordColumns: [RecordColumn<Self>] = [
        RecordColumn("id") { SQLBind($0.id) },
        RecordColumn("key_id") { SQLBind($0.keyID) },
        RecordColumn("user_id") { SQLBind($0.userID) },
        RecordColumn("team_id") { SQLBind($0.teamID) },
        RecordColumn("created_at_ms") { SQLBind(Column.milliseconds($0.createdAt)) },
        RecordColumn("updated_at_ms") { SQLBind(Column.milliseconds($0.updatedAt)) },
    ]

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), keyID: try row.decode(column: "key_id", as: String?.self),
            userID: try row.decode(column: "user_id", as: String?.self), teamID: try row.decode(column: "team_id", as: String?.self),
            createdAt: try Column.date(row, "created_at_ms"))
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
