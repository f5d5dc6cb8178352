import Foundation
public import GatehouseCore
import SQLKit

/// Virtual keys in the database. The hot path never calls this: `KeyCache` does, at start-up and
/// after changes.
public struct KeyStore: Sendable {
    let source: any SQLConnectionSource
    static let table = "gatehouse_keys"
    static let columns = [
        "id", "hash", "display", "alias", "models", "metadata", "user_id", "team_id", "organization_id", "max_budget",
        "budget_duration", "rpm_limit", "tpm_limit", "max_parallel_requests", "allowed_routes", "blocked", "expires_at_ms",
        "created_at_ms", "updated_at_ms", "spend", "previous_hash", "previous_valid_until_ms",
    ]

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    public func migrate() async throws {
        try await source.withDatabase { try await Migrations.migrate($0) }
    }

    public func insert(_ key: VirtualKey) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: Self.table).columns(Self.columns).values(Self.values(of: key)).run()
        }
    }

    public func update(_ key: VirtualKey) async throws {
        try await source.withDatabase { db in
            var query = db.update(Self.table)
            for (column, value) in zip(Self.columns, Self.values(of: key)).dropFirst() {
                query = query.set(SQLColumn(column), to: value)
            }
            try await query.where("id", .equal, key.id).run()
        }
    }

    /// - Returns: how many of the keys existed.
    public func delete(ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await source.withDatabase { db in
            let existing = try await db.select().column("id").from(Self.table).where("id", .in, ids).all().count
            try await db.delete(from: Self.table).where("id", .in, ids).run()
            return existing
        }
    }

    public func key(id: String) async throws -> VirtualKey? {
        try await fetch { $0.where("id", .equal, id) }.first
    }

    public func key(hash: String) async throws -> VirtualKey? {
        try await fetch { $0.where("hash", .equal, hash) }.first
    }

    /// Keys in creation order, optionally only those of one user or team.
    public func list(userID: String? = nil, teamID: String? = nil, limit: Int = 100, offset: Int = 0) async throws -> [VirtualKey] {
        try await fetch { query in
            var query = query
            if let userID { query = query.where("user_id", .equal, userID) }
            if let teamID { query = query.where("team_id", .equal, teamID) }
            return query.orderBy("created_at_ms").orderBy("id").limit(limit).offset(offset)
        }
    }

    /// Appends to the change log that other processes on the same database poll.
    public func recordChange(keyID: String) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: "gatehouse_key_changes").columns("key_id", "changed_at_ms")
                .values(SQLBind(keyID), SQLBind(Self.milliseconds(Date()))).run()
        }
    }

    /// Changes logged after `seq`, oldest first.
    public func changes(after seq: Int64) async throws -> [(seq: Int64, keyID: String)] {
        try await source.withDatabase { db in
            try await db.select().columns("seq", "key_id").from("gatehouse_key_changes").where("seq", .greaterThan, seq).orderBy("seq").limit(1000)
                .all().map { (try $0.decode(column: "seq", as: Int64.self), try $0.decode(column: "key_id", as: String.self)) }
        }
    }

    /// The newest change's sequence number (0 when none).
    public func latestChange() async throws -> Int64 {
        try await source.withDatabase { db in
            try await db.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "latest").from("gatehouse_key_changes").first()?
                .decode(column: "latest", as: Int64?.self) ?? 0
        }
    }

    /// How many keys `list` would page through.
    public func count(userID: String? = nil, teamID: String? = nil) async throws -> Int {
        try await source.withDatabase { db in
            var query = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(Self.table)
            if let userID { query = query.where("user_id", .equal, userID) }
            if let teamID { query = query.where("team_id", .equal, teamID) }
            return Int(try await query.first()?.decode(column: "total", as: Int64.self) ?? 0)
        }
    }

    /// Keys in id order after `id` (keyset paging, for loading the cache).
    public func page(after id: String?, limit: Int) async throws -> [VirtualKey] {
        try await fetch { query in
            var query = query
            if let id { query = query.where("id", .greaterThan, id) }
            return query.orderBy("id").limit(limit)
        }
    }

    public func all() async throws -> [VirtualKey] {
        try await fetch { $0.orderBy("created_at_ms") }
    }

    private func fetch(_ refine: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [VirtualKey] {
        try await source.withDatabase { db in
            try await refine(db.select().columns(Self.columns.map { SQLColumn($0) }).from(Self.table)).all().map(Self.decode)
        }
    }

    static func values(of key: VirtualKey) -> [any SQLExpression] {
        [
            SQLBind(key.id), SQLBind(key.hash), SQLBind(key.display), SQLBind(key.alias),
            SQLBind(JSONCoding.encodeString(.array(key.models.map(JSONValue.string)))), SQLBind(JSONCoding.encodeString(key.metadata)),
            SQLBind(key.userID), SQLBind(key.teamID), SQLBind(key.organizationID), SQLBind(key.maxBudget), SQLBind(key.budgetDuration),
            SQLBind(key.rpmLimit.map(Int64.init)), SQLBind(key.tpmLimit.map(Int64.init)), SQLBind(key.maxParallelRequests.map(Int64.init)),
            SQLBind(JSONCoding.encodeString(.array(key.allowedRoutes.map(JSONValue.string)))), SQLBind(Int64(key.blocked ? 1 : 0)),
            SQLBind(key.expiresAt.map(milliseconds)), SQLBind(milliseconds(key.createdAt)), SQLBind(milliseconds(key.updatedAt)),
            SQLBind(key.spend), SQLBind(key.previousHash), SQLBind(key.previousValidUntil.map(milliseconds)),
        ]
    }

    static func decode(_ row: any SQLRow) throws -> VirtualKey {
        var key = VirtualKey(
            id: try row.decode(column: "id", as: String.self), hash: try row.decode(column: "hash", as: String.self),
            display: try row.decode(column: "display", as: String.self),
            createdAt: date(try row.decode(column: "created_at_ms", as: Int64.self))
        )
        key.alias = try row.decode(column: "alias", as: String?.self)
        key.models = strings(try row.decode(column: "models", as: String.self))
        key.metadata = (try? JSONCoding.decode(Array(try row.decode(column: "metadata", as: String.self).utf8))) ?? [:]
        key.userID = try row.decode(column: "user_id", as: String?.self)
        key.teamID = try row.decode(column: "team_id", as: String?.self)
        key.organizationID = try row.decode(column: "organization_id", as: String?.self)
        key.maxBudget = try row.decode(column: "max_budget", as: Double?.self)
        key.budgetDuration = try row.decode(column: "budget_duration", as: String?.self)
        key.rpmLimit = try row.decode(column: "rpm_limit", as: Int64?.self).map(Int.init)
        key.tpmLimit = try row.decode(column: "tpm_limit", as: Int64?.self).map(Int.init)
        key.maxParallelRequests = try row.decode(column: "max_parallel_requests", as: Int64?.self).map(Int.init)
        key.allowedRoutes = strings(try row.decode(column: "allowed_routes", as: String.self))
        key.blocked = try row.decode(column: "blocked", as: Int64.self) != 0
        key.expiresAt = try row.decode(column: "expires_at_ms", as: Int64?.self).map(date)
        key.updatedAt = date(try row.decode(column: "updated_at_ms", as: Int64.self))
        key.spend = try row.decode(column: "spend", as: Double.self)
        key.previousHash = try row.decode(column: "previous_hash", as: String?.self)
        key.previousValidUntil = try row.decode(column: "previous_valid_until_ms", as: Int64?.self).map(date)
        return key
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    static func strings(_ json: String) -> [String] {
        ((try? JSONCoding.decode(Array(json.utf8)))?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
