import Foundation
public import GatehouseCore
import SQLKit

/// What Gatehouse's authorization server keeps: registered clients, its signing keys (private
/// halves sealed by the caller) and revoked token ids until the tokens would have expired.
public struct OAuthStore: Sendable {
    /// A signing key as stored: the private half sealed, never in the clear.
    public struct SigningKeyRecord: Sendable, Equatable {
        public var id: String
        public var algorithm: String
        public var sealedPrivateKey: String
        public var createdAt: Date
        /// When it stopped signing (a newer key took over); nil for the current key.
        public var retiredAt: Date?

        public init(id: String, algorithm: String, sealedPrivateKey: String, createdAt: Date, retiredAt: Date? = nil) {
            self.id = id
            self.algorithm = algorithm
            self.sealedPrivateKey = sealedPrivateKey
            self.createdAt = createdAt
            self.retiredAt = retiredAt
        }
    }

    let source: any SQLConnectionSource
    let clients: RecordTable<OAuthClient>

    public init(source: any SQLConnectionSource) {
        self.source = source
        clients = RecordTable(source: source)
    }

    public func insert(_ client: OAuthClient) async throws { try await clients.insert(client) }
    public func update(_ client: OAuthClient) async throws { try await clients.update(client) }
    public func client(id: String) async throws -> OAuthClient? { try await clients.record(id: id) }
    public func clients(limit: Int? = nil, offset: Int = 0) async throws -> [OAuthClient] { try await clients.fetch(limit: limit, offset: offset) }
    public func deleteClients(ids: [String]) async throws -> Int { try await clients.delete(ids: ids) }
    func allClients() async throws -> [OAuthClient] { try await clients.all() }

    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await source.withDatabase { db in
            try await db.select().columns("id", "algorithm", "sealed_private_key", "created_at_ms", "retired_at_ms").from("gatehouse_signing_keys")
                .orderBy("created_at_ms").all().map { row in
                    SigningKeyRecord(
                        id: try row.decode(column: "id", as: String.self), algorithm: try row.decode(column: "algorithm", as: String.self),
                        sealedPrivateKey: try row.decode(column: "sealed_private_key", as: String.self),
                        createdAt: try Column.date(row, "created_at_ms"), retiredAt: try Column.optionalDate(row, "retired_at_ms"))
                }
        }
    }

    /// Stores a new current key and retires the others (they keep verifying until dropped).
    public func rotate(to key: SigningKeyRecord) async throws {
        try await source.withDatabase { db in
            try await db.update("gatehouse_signing_keys").set("retired_at_ms", to: SQLBind(Column.milliseconds(key.createdAt)))
                .where("retired_at_ms", .is, SQLLiteral.null).run()
            try await db.insert(into: "gatehouse_signing_keys").columns("id", "algorithm", "sealed_private_key", "created_at_ms", "retired_at_ms")
                .values(
                    SQLBind(key.id), SQLBind(key.algorithm), SQLBind(key.sealedPrivateKey), SQLBind(Column.milliseconds(key.createdAt)),
                    SQLBind(Int64?.none)
                ).run()
        }
    }

    /// Deletes keys retired before `date`: every token they signed has expired.
    public func dropSigningKeys(retiredBefore date: Date) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: "gatehouse_signing_keys").where("retired_at_ms", .lessThan, SQLBind(Column.milliseconds(date))).run()
        }
    }

    /// Records a revoked token id until the token would have expired anyway.
    public func revoke(tokenID: String, expiresAt: Date) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: "gatehouse_revoked_tokens").where("id", .equal, tokenID).run()
            try await db.insert(into: "gatehouse_revoked_tokens").columns("id", "expires_at_ms")
                .values(SQLBind(tokenID), SQLBind(Column.milliseconds(expiresAt))).run()
        }
    }

    /// Revoked token ids whose tokens have not expired yet; older ones are deleted.
    public func revokedTokens(at now: Date) async throws -> [String] {
        try await source.withDatabase { db in
            try await db.delete(from: "gatehouse_revoked_tokens").where("expires_at_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now))).run()
            return try await db.select().column("id").from("gatehouse_revoked_tokens").all().map { try $0.decode(column: "id", as: String.self) }
        }
    }
}
