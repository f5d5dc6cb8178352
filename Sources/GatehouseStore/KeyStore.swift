public import GatehouseCore
import SQLKit

/// Virtual keys in the database. The hot path never calls this: `IdentityCache` does, at start-up
/// and after changes.
public struct KeyStore: Sendable {
    let source: any SQLConnectionSource
    let table: RecordTable<VirtualKey>

    public init(source: any SQLConnectionSource) {
        self.source = source
        self.table = RecordTable(source: source)
    }

    public func migrate() async throws {
        try await source.withDatabase { try await Migrations.migrate($0) }
    }

    public func insert(_ key: VirtualKey) async throws { try await table.insert(key) }

    public func update(_ key: VirtualKey) async throws { try await table.update(key) }

    /// - Returns: how many of the keys existed.
    public func delete(ids: [String]) async throws -> Int { try await table.delete(ids: ids) }

    public func key(id: String) async throws -> VirtualKey? { try await table.record(id: id) }

    public func key(hash: String) async throws -> VirtualKey? { try await table.fetch(where: [("hash", hash)], limit: 1).first }

    /// The key whose replaced secret (regenerated with a grace period) has this hash.
    public func key(previousHash hash: String) async throws -> VirtualKey? {
        try await table.fetch(where: [("previous_hash", hash)], limit: 1).first
    }

    /// Keys with an alias (aliases need not be unique), at most `limit` of them.
    public func keys(alias: String, limit: Int) async throws -> [VirtualKey] {
        try await table.fetch(where: [("alias", alias)], limit: limit)
    }

    /// Keys in creation order, optionally only those of one user or team.
    public func list(userID: String? = nil, teamID: String? = nil, limit: Int? = 100, offset: Int = 0) async throws -> [VirtualKey] {
        try await table.fetch(where: Self.filters(userID: userID, teamID: teamID), limit: limit, offset: offset)
    }

    /// How many keys `list` would page through.
    public func count(userID: String? = nil, teamID: String? = nil) async throws -> Int {
        try await table.count(where: Self.filters(userID: userID, teamID: teamID))
    }

    /// Keys in id order after `id` (keyset paging, for loading the cache).
    public func page(after id: String?, limit: Int) async throws -> [VirtualKey] { try await table.page(after: id, limit: limit) }

    public func all() async throws -> [VirtualKey] { try await table.fetch() }

    static func filters(userID: String?, teamID: String?) -> [(String, String)] {
        (userID.map { [("user_id", $0)] } ?? []) + (teamID.map { [("team_id", $0)] } ?? [])
    }
}
