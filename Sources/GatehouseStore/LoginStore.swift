public import Foundation
import SQLKit

/// A signed-in browser session: stored by the SHA-256 of the cookie's secret (never the secret),
/// so that a copy of the database signs nobody in.
public struct LoginSession: Sendable, Equatable {
    /// Hex SHA-256 of the cookie's secret.
    public var id: String
    public var userID: String
    public var createdAt: Date
    /// The end of its lifetime, however active it is.
    public var expiresAt: Date
    /// Its last request (written at most once a minute), for the idle timeout.
    public var lastSeenAt: Date
    public var address: String?

    public init(id: String, userID: String, createdAt: Date, expiresAt: Date, address: String?) {
        self.id = id
        self.userID = userID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = createdAt
        self.address = address
    }
}

/// Users' password hashes (bcrypt, kept apart from the user record that the management API
/// returns) and their sessions.
public struct LoginStore: Sendable {
    let source: any SQLConnectionSource
    static let sessions = "gatehouse_sessions"
    static let users = "gatehouse_users"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    /// Sets (or with nil, removes) a user's password hash, and ends every session the user has:
    /// whoever knew the old password is signed out, in the same transaction.
    /// - Returns: whether the user exists.
    @discardableResult
    public func setPasswordHash(_ hash: String?, userID: String) async throws -> Bool {
        try await source.withTransaction { db in
            let exists = try await db.select().column("id").from(Self.users).where("id", .equal, SQLBind(userID)).first() != nil
            try await db.update(Self.users).set("password_hash", to: SQLBind(hash)).where("id", .equal, SQLBind(userID)).run()
            _ = try await db.deleteCounting(from: Self.sessions, where: "user_id", in: [userID])
            return exists
        }
    }

    public func passwordHash(userID: String) async throws -> String? {
        try await source.withDatabase { db in
            try await db.select().column("password_hash").from(Self.users).where("id", .equal, SQLBind(userID)).first()?
                .decode(column: "password_hash", as: String?.self)
        }
    }

    public func insert(_ session: LoginSession) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: Self.sessions)
                .columns("id", "user_id", "created_at_ms", "expires_at_ms", "last_seen_ms", "address")
                .values(
                    SQLBind(session.id), SQLBind(session.userID), SQLBind(Column.milliseconds(session.createdAt)),
                    SQLBind(Column.milliseconds(session.expiresAt)), SQLBind(Column.milliseconds(session.lastSeenAt)), SQLBind(session.address)
                )
                .run()
        }
    }

    static let sessionColumns = ["id", "user_id", "created_at_ms", "expires_at_ms", "last_seen_ms", "address"]

    public func session(id: String) async throws -> LoginSession? {
        try await source.withDatabase { db in
            try await db.select().columns(Self.sessionColumns.map { SQLColumn($0) }).from(Self.sessions).where("id", .equal, SQLBind(id))
                .first().map(Self.session)
        }
    }

    /// A user's sessions, the most recently used first (at most `limit`).
    public func sessions(userID: String, limit: Int = 50) async throws -> [LoginSession] {
        try await source.withDatabase { db in
            try await db.select().columns(Self.sessionColumns.map { SQLColumn($0) }).from(Self.sessions).where("user_id", .equal, SQLBind(userID))
                .orderBy("last_seen_ms", .descending).limit(limit).all().map(Self.session)
        }
    }

    /// Ends a user's sessions but one (signing out everywhere else). - Returns: how many ended.
    @discardableResult
    public func deleteSessions(userID: String, except kept: String) async throws -> Int {
        try await source.withDatabase { db in
            let ended = try await db.select().column("id").from(Self.sessions).where("user_id", .equal, SQLBind(userID))
                .where("id", .notEqual, SQLBind(kept)).all().map { try $0.decode(column: "id", as: String.self) }
            return ended.isEmpty ? 0 : try await db.deleteCounting(from: Self.sessions, where: "id", in: ended)
        }
    }

    static func session(_ row: any SQLRow) throws -> LoginSession {
        var session = LoginSession(
            id: try row.decode(column: "id", as: String.self), userID: try row.decode(column: "user_id", as: String.self),
            createdAt: try Column.date(row, "created_at_ms"), expiresAt: try Column.date(row, "expires_at_ms"),
            address: try row.decode(column: "address", as: String?.self))
        session.lastSeenAt = try Column.date(row, "last_seen_ms")
        return session
    }

    public func touch(id: String, at time: Date) async throws {
        try await source.withDatabase { db in
            try await db.update(Self.sessions).set("last_seen_ms", to: SQLBind(Column.milliseconds(time))).where("id", .equal, SQLBind(id)).run()
        }
    }

    /// - Returns: whether it existed.
    @discardableResult
    public func delete(id: String) async throws -> Bool {
        try await source.withDatabase { db in try await db.deleteCounting(from: Self.sessions, where: "id", in: [id]) > 0 }
    }

    /// Ends every session of these users (a password changed, a user deleted). - Returns: how many.
    @discardableResult
    public func deleteSessions(userIDs: [String]) async throws -> Int {
        try await source.withDatabase { db in try await db.deleteCounting(from: Self.sessions, where: "user_id", in: userIDs) }
    }

    /// Removes sessions past their lifetime or idle since before `idleSince`.
    public func deleteExpired(now: Date, idleSince: Date) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.sessions)
                .where("expires_at_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now)))
                .orWhere("last_seen_ms", .lessThan, SQLBind(Column.milliseconds(idleSince)))
                .run()
        }
    }
}
