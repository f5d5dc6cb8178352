import Foundation
import SQLKit

/// One changed object, as the change feed carries it between processes: `team:<id>`,
/// `user:<id>`, `organization:<id>`, `client:<id>`, `revoked:<jti>`, `certificate:<identity>`, or a
/// bare key id.
public enum IdentityChange: Sendable, Hashable {
    case key(String)
    case user(String)
    case team(String)
    case organization(String)
    case oauthClient(String)
    /// A revoked access token's `jti`.
    case revokedToken(String)
    /// A client certificate binding, by identity.
    case certificate(String)

    public var text: String {
        switch self {
        case .key(let id): id
        case .user(let id): "user:" + id
        case .team(let id): "team:" + id
        case .organization(let id): "organization:" + id
        case .oauthClient(let id): "client:" + id
        case .revokedToken(let id): "revoked:" + id
        case .certificate(let id): "certificate:" + id
        }
    }

    public init(text: String) {
        for (prefix, make) in [
            ("user:", Self.user), ("team:", Self.team), ("organization:", Self.organization), ("client:", Self.oauthClient),
            ("revoked:", Self.revokedToken), ("certificate:", Self.certificate),
        ] where text.hasPrefix(prefix) {
            self = make(String(text.dropFirst(prefix.count)))
            return
        }
        self = .key(text)
    }
}

/// The table of changes that other processes on a SQLite file poll (`gatehouse keys revoke` run
/// beside a serving instance). PostgreSQL uses NOTIFY instead.
public struct ChangeLog: Sendable {
    let source: any SQLConnectionSource
    static let table = "gatehouse_key_changes"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    public func record(_ change: IdentityChange) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: Self.table).columns("key_id", "changed_at_ms")
                .values(SQLBind(change.text), SQLBind(Column.milliseconds(Date()))).run()
        }
    }

    /// Changes logged after `seq`, oldest first.
    public func changes(after seq: Int64) async throws -> [(seq: Int64, change: IdentityChange)] {
        try await source.withDatabase { db in
            try await db.select().columns("seq", "key_id").from(Self.table).where("seq", .greaterThan, seq).orderBy("seq").limit(1000)
                .all().map { (try $0.decode(column: "seq", as: Int64.self), IdentityChange(text: try $0.decode(column: "key_id", as: String.self))) }
        }
    }

    /// The newest change's sequence number (0 when none).
    public func latest() async throws -> Int64 {
        try await source.withDatabase { db in
            try await db.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "latest").from(Self.table).first()?
                .decode(column: "latest", as: Int64?.self) ?? 0
        }
    }
}
