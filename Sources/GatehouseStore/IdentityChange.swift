import Foundation
public import GatehouseCore
import SQLKit

/// One changed object, as the change feed carries it between processes: `team:<id>`,
/// `user:<id>`, `organization:<id>`, `client:<id>`, `revoked:<jti>`, `certificate:<identity>`,
/// `end_user:<id>`, `budget:<id>`, or a bare key id.
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
    case endUser(String)
    case budget(String)
    /// A model added, changed or deleted through the API: every instance reloads them.
    case model(String)

    /// The object that changed (a revoked token is none: its `jti` names nothing stored).
    public var object: ObjectRef? {
        switch self {
        case .key(let id): .key(id)
        case .user(let id): .user(id)
        case .team(let id): .team(id)
        case .organization(let id): .organization(id)
        case .oauthClient(let id): .client(id)
        case .certificate(let id): .certificate(id)
        case .endUser(let id): .endUser(id)
        case .budget(let id): .budget(id)
        case .model(let id): .model(id)
        case .revokedToken: nil
        }
    }

    /// As the feed carries it: the object's reference, except a key's bare id (as the first
    /// instances wrote it) and `revoked:<jti>`.
    public var text: String {
        switch self {
        case .key(let id): id
        case .revokedToken(let id): Self.revokedPrefix + id
        default: object?.description ?? ""
        }
    }

    public init(text: String) {
        if text.hasPrefix(Self.revokedPrefix) {
            self = .revokedToken(String(text.dropFirst(Self.revokedPrefix.count)))
            return
        }
        switch ObjectRef(text) {
        case .user(let id)?: self = .user(id)
        case .team(let id)?: self = .team(id)
        case .organization(let id)?: self = .organization(id)
        case .client(let id)?: self = .oauthClient(id)
        case .certificate(let id)?: self = .certificate(id)
        case .endUser(let id)?: self = .endUser(id)
        case .budget(let id)?: self = .budget(id)
        case .model(let id)?: self = .model(id)
        default: self = .key(text)
        }
    }

    static let revokedPrefix = "revoked:"
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
