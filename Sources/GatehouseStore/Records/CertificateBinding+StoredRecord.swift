import GatehouseCore
import SQLKit

extension CertificateBinding: StoredRecord {
    static let table = "gatehouse_certificate_bindings"
    static let columns = ["id", "key_id", "user_id", "team_id", "created_at_ms", "updated_at_ms"]

    var values: [any SQLExpression] {
        [
            SQLBind(id), SQLBind(keyID), SQLBind(userID), SQLBind(teamID), SQLBind(Column.milliseconds(createdAt)),
            SQLBind(Column.milliseconds(updatedAt)),
        ]
    }

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), keyID: try row.decode(column: "key_id", as: String?.self),
            userID: try row.decode(column: "user_id", as: String?.self), teamID: try row.decode(column: "team_id", as: String?.self),
            createdAt: try Column.date(row, "created_at_ms"))
        updatedAt = try Column.date(row, "updated_at_ms")
    }
}
