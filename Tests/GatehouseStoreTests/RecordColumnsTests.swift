import Foundation
import GatehouseCore
import SQLKit
import Testing

@testable import GatehouseStore

/// Each record declares its columns once, name with value; they must be exactly its table's
/// columns after the migrations, on both databases (a column the table lacks fails every write;
/// one the record never writes would be left at its default forever).
@Suite("Record columns")
struct RecordColumnsTests {
    static func tableColumns(_ table: String, kind: StoreKind, source: any SQLConnectionSource) async throws -> Set<String> {
        try await source.withDatabase { db in
            switch kind {
            case .sqlite:
                return Set(try await db.raw("PRAGMA table_info(\(unsafeRaw: table))").all().map { try $0.decode(column: "name", as: String.self) })
            case .postgres:
                return Set(
                    try await db.raw("SELECT column_name FROM information_schema.columns WHERE table_name = \(bind: table)").all()
                        .map { try $0.decode(column: "column_name", as: String.self) })
            }
        }
    }

    /// Columns another store keeps in a record's table, which the record never reads or writes
    /// (a user's password hash is `LoginStore`'s: never in a `User`, never overwritten by one).
    static let keptElsewhere = ["gatehouse_users": Set(["password_hash"])]

    static func check<Record: StoredRecord>(_: Record.Type, kind: StoreKind, source: any SQLConnectionSource) async throws {
        let declared = Record.columns
        #expect(Set(declared).count == declared.count, "\(Record.table) declares a column twice")
        #expect(declared.first == "id")
        let table = try await tableColumns(Record.table, kind: kind, source: source)
        #expect(Set(declared) == table.subtracting(keptElsewhere[Record.table] ?? []), "\(Record.table)")
    }

    @Test(arguments: StoreKind.allCases)
    func everyRecordWritesExactlyItsTablesColumns(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            try await IdentityStore(source: source).migrate()
            try await Self.check(VirtualKey.self, kind: kind, source: source)
            try await Self.check(User.self, kind: kind, source: source)
            try await Self.check(Team.self, kind: kind, source: source)
            try await Self.check(Organization.self, kind: kind, source: source)
            try await Self.check(OAuthClient.self, kind: kind, source: source)
            try await Self.check(CertificateBinding.self, kind: kind, source: source)
            try await Self.check(EndUser.self, kind: kind, source: source)
            try await Self.check(Budget.self, kind: kind, source: source)
            try await Self.check(StoredModel.self, kind: kind, source: source)
        }
    }

    /// A record's values go to the columns named with them, whatever the order of the list.
    @Test func valuesAreNamedWithTheirColumns() {
        var team = Team(id: "t")
        team.alias = "The team"
        team.limits.rpmLimit = 7
        let values = Dictionary(uniqueKeysWithValues: team.columnValues.map { ($0.name, $0.value) })
        #expect((values["alias"] as? SQLBind).map { "\($0.encodable)" } == "Optional(\"The team\")")
        #expect((values["rpm_limit"] as? SQLBind).map { "\($0.encodable)" } == "Optional(7)")
    }
}
