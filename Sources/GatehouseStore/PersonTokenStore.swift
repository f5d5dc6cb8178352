public import Foundation
public import GatehouseCore
import SQLKit

/// Device authorizations and refresh tokens of people's grants. Every change that must happen
/// once across instances (a device code's token issued, a refresh token used) is one conditional
/// UPDATE whose row count says who won.
public struct PersonTokenStore: Sendable {
    let source: any SQLConnectionSource
    static let devices = "gatehouse_device_authorizations"
    static let refreshTokens = "gatehouse_refresh_tokens"
    static let codes = "gatehouse_authorization_codes"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    // MARK: device authorizations

    public func insert(_ device: DeviceAuthorization) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: Self.devices)
                .columns(
                    "id", "user_code", "client_id", "scope", "status", "user_id", "interval_seconds", "expires_at_ms", "last_polled_ms",
                    "created_at_ms"
                )
                .values(
                    SQLBind(device.id), SQLBind(device.userCode), SQLBind(device.clientID), SQLBind(device.scope), SQLBind(device.status.rawValue),
                    SQLBind(device.userID), SQLBind(Int64(device.interval)), SQLBind(Column.milliseconds(device.expiresAt)),
                    SQLBind(device.lastPolledAt.map(Column.milliseconds)), SQLBind(Column.milliseconds(device.createdAt))
                ).run()
        }
    }

    public func device(id: String) async throws -> DeviceAuthorization? { try await device(where: "id", id) }
    public func device(userCode: String) async throws -> DeviceAuthorization? { try await device(where: "user_code", userCode) }

    func device(where column: String, _ value: String) async throws -> DeviceAuthorization? {
        try await source.withDatabase { db in
            guard let row = try await db.select().column("*").from(Self.devices).where(SQLColumn(column), .equal, SQLBind(value)).first() else {
                return nil
            }
            var device = DeviceAuthorization(
                id: try row.decode(column: "id", as: String.self), userCode: try row.decode(column: "user_code", as: String.self),
                clientID: try row.decode(column: "client_id", as: String.self), scope: try row.decode(column: "scope", as: String.self),
                interval: Int(try row.decode(column: "interval_seconds", as: Int64.self)), expiresAt: try Column.date(row, "expires_at_ms"),
                createdAt: try Column.date(row, "created_at_ms"))
            device.status = DeviceAuthorization.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .denied
            device.userID = try row.decode(column: "user_id", as: String?.self)
            device.lastPolledAt = try Column.optionalDate(row, "last_polled_ms")
            return device
        }
    }

    /// Approves or denies a pending, unexpired authorization. - Returns: whether it was pending.
    public func decide(id: String, approved: Bool, userID: String, at now: Date) async throws -> Bool {
        try await source.withDatabase { db in
            try await db.updateCounting(
                db.update(Self.devices).set("status", to: SQLBind(approved ? "approved" : "denied")).set("user_id", to: SQLBind(userID))
                    .where("id", .equal, id).where("status", .equal, "pending")
                    .where("expires_at_ms", .greaterThan, SQLBind(Column.milliseconds(now)))) == 1
        }
    }

    /// Marks an approved authorization used. - Returns: whether this call did (only one does).
    public func consume(id: String) async throws -> Bool {
        try await source.withDatabase { db in
            try await db.updateCounting(
                db.update(Self.devices).set("status", to: SQLBind("used")).where("id", .equal, id).where("status", .equal, "approved")) == 1
        }
    }

    /// Records a poll, and the interval the device must keep from now on.
    public func polled(id: String, at now: Date, interval: Int) async throws {
        try await source.withDatabase { db in
            try await db.update(Self.devices).set("last_polled_ms", to: SQLBind(Column.milliseconds(now)))
                .set("interval_seconds", to: SQLBind(Int64(interval))).where("id", .equal, id).run()
        }
    }

    /// Deletes authorizations that expired; returns how many are still pending.
    public func pruneDevices(at now: Date) async throws -> Int {
        try await source.withDatabase { db in
            try await db.delete(from: Self.devices).where("expires_at_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now))).run()
            let row = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "pending").from(Self.devices)
                .where("status", .equal, "pending").first()
            return Int(try row?.decode(column: "pending", as: Int64.self) ?? 0)
        }
    }

    // MARK: authorization codes

    public func insert(_ code: AuthorizationCode) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.codes).where("expires_at_ms", .lessThan, SQLBind(Column.milliseconds(code.createdAt - 3600))).run()
            try await db.insert(into: Self.codes)
                .columns(
                    "id", "client_id", "redirect_uri", "user_id", "scope", "code_challenge", "expires_at_ms", "used_at_ms", "family_id",
                    "created_at_ms"
                )
                .values(
                    SQLBind(code.id), SQLBind(code.clientID), SQLBind(code.redirectURI), SQLBind(code.userID), SQLBind(code.scope),
                    SQLBind(code.codeChallenge), SQLBind(Column.milliseconds(code.expiresAt)), SQLBind(code.usedAt.map(Column.milliseconds)),
                    SQLBind(code.familyID), SQLBind(Column.milliseconds(code.createdAt))
                ).run()
        }
    }

    public func code(id: String) async throws -> AuthorizationCode? {
        try await source.withDatabase { db in
            guard let row = try await db.select().column("*").from(Self.codes).where("id", .equal, id).first() else { return nil }
            var code = AuthorizationCode(
                id: try row.decode(column: "id", as: String.self), clientID: try row.decode(column: "client_id", as: String.self),
                redirectURI: try row.decode(column: "redirect_uri", as: String.self), userID: try row.decode(column: "user_id", as: String.self),
                scope: try row.decode(column: "scope", as: String.self), codeChallenge: try row.decode(column: "code_challenge", as: String?.self),
                expiresAt: try Column.date(row, "expires_at_ms"), createdAt: try Column.date(row, "created_at_ms"))
            code.usedAt = try Column.optionalDate(row, "used_at_ms")
            code.familyID = try row.decode(column: "family_id", as: String?.self)
            return code
        }
    }

    /// Marks an unused code used by the grant `familyID`. - Returns: whether this call did.
    public func useCode(id: String, familyID: String, at now: Date) async throws -> Bool {
        try await source.withDatabase { db in
            try await db.updateCounting(
                db.update(Self.codes).set("used_at_ms", to: SQLBind(Column.milliseconds(now))).set("family_id", to: SQLBind(familyID))
                    .where("id", .equal, id).where("used_at_ms", .is, SQLLiteral.null)) == 1
        }
    }

    // MARK: refresh tokens

    public func insert(_ token: RefreshToken) async throws {
        try await source.withDatabase { db in
            try await db.insert(into: Self.refreshTokens)
                .columns("id", "family_id", "user_id", "client_id", "scope", "expires_at_ms", "used_at_ms", "revoked", "created_at_ms")
                .values(
                    SQLBind(token.id), SQLBind(token.familyID), SQLBind(token.userID), SQLBind(token.clientID), SQLBind(token.scope),
                    SQLBind(Column.milliseconds(token.expiresAt)), SQLBind(token.usedAt.map(Column.milliseconds)), Column.bool(token.revoked),
                    SQLBind(Column.milliseconds(token.createdAt))
                ).run()
        }
    }

    public func refreshToken(id: String) async throws -> RefreshToken? {
        try await source.withDatabase { db in
            guard let row = try await db.select().column("*").from(Self.refreshTokens).where("id", .equal, id).first() else { return nil }
            var token = RefreshToken(
                id: try row.decode(column: "id", as: String.self), familyID: try row.decode(column: "family_id", as: String.self),
                userID: try row.decode(column: "user_id", as: String.self), clientID: try row.decode(column: "client_id", as: String.self),
                scope: try row.decode(column: "scope", as: String.self), expiresAt: try Column.date(row, "expires_at_ms"),
                createdAt: try Column.date(row, "created_at_ms"))
            token.usedAt = try Column.optionalDate(row, "used_at_ms")
            token.revoked = try Column.bool(row, "revoked")
            return token
        }
    }

    /// Marks an unused, unrevoked token used. - Returns: whether this call did (only one does).
    public func use(id: String, at now: Date) async throws -> Bool {
        try await source.withDatabase { db in
            try await db.updateCounting(
                db.update(Self.refreshTokens).set("used_at_ms", to: SQLBind(Column.milliseconds(now))).where("id", .equal, id)
                    .where("used_at_ms", .is, SQLLiteral.null).where("revoked", .equal, SQLBind(Int64(0)))) == 1
        }
    }

    /// Revokes every token of a family.
    public func revokeFamily(_ familyID: String) async throws {
        try await source.withDatabase { db in
            try await db.update(Self.refreshTokens).set("revoked", to: SQLBind(Int64(1))).where("family_id", .equal, familyID).run()
        }
    }

    /// Deletes tokens past their expiry.
    public func pruneRefreshTokens(at now: Date) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.refreshTokens).where("expires_at_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now))).run()
        }
    }
}
