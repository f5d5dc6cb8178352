import Foundation
import GatehouseCore
public import SQLKit

/// Versioned schema changes, written once with SQLKit for SQLite and PostgreSQL alike. Applied in
/// order, each recorded in `gatehouse_migrations`, so `migrate` is safe to run at every start.
public enum Migrations {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let apply: @Sendable (any SQLDatabase) async throws -> Void
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "virtual keys") { db in
            try await db.create(table: "gatehouse_keys")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("hash", type: .text, .notNull, .unique)
                .column("display", type: .text, .notNull)
                .column("alias", type: .text)
                .column("models", type: .text, .notNull)
                .column("metadata", type: .text, .notNull)
                .column("user_id", type: .text)
                .column("team_id", type: .text)
                .column("organization_id", type: .text)
                .column("max_budget", type: .custom(SQLRaw("DOUBLE PRECISION")))
                .column("budget_duration", type: .text)
                .column("rpm_limit", type: .bigint)
                .column("tpm_limit", type: .bigint)
                .column("max_parallel_requests", type: .bigint)
                .column("allowed_routes", type: .text, .notNull)
                .column("blocked", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .column("spend", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .run()
            try await db.create(index: "gatehouse_keys_user").on("gatehouse_keys").column("user_id").run()
            try await db.create(index: "gatehouse_keys_team").on("gatehouse_keys").column("team_id").run()
        },
        Migration(version: 2, name: "key change log") { db in
            try await db.create(table: "gatehouse_key_changes")
                .column("seq", type: .bigint, .primaryKey(autoIncrement: true))
                .column("key_id", type: .text, .notNull)
                .column("changed_at_ms", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 3, name: "rotation grace period") { db in
            try await db.alter(table: "gatehouse_keys").column("previous_hash", type: .text).run()
            try await db.alter(table: "gatehouse_keys").column("previous_valid_until_ms", type: .bigint).run()
        },
        Migration(version: 4, name: "users, teams and organizations") { db in
            try await db.create(table: "gatehouse_organizations")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("alias", type: .text, .notNull)
                .column("models", type: .text, .notNull)
                .limitColumns()
                .column("metadata", type: .text, .notNull)
                .column("spend", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(table: "gatehouse_teams")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("alias", type: .text)
                .column("organization_id", type: .text)
                .column("models", type: .text, .notNull)
                .limitColumns()
                .column("metadata", type: .text, .notNull)
                .column("blocked", type: .bigint, .notNull)
                .column("spend", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(index: "gatehouse_teams_organization").on("gatehouse_teams").column("organization_id").run()
            try await db.create(table: "gatehouse_users")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("email", type: .text, .unique)
                .column("alias", type: .text)
                .column("role", type: .text, .notNull)
                .column("models", type: .text, .notNull)
                .limitColumns()
                .column("metadata", type: .text, .notNull)
                .column("organization_id", type: .text)
                .column("spend", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(table: "gatehouse_team_members")
                .column("team_id", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("role", type: .text, .notNull)
                .primaryKey("team_id", "user_id")
                .run()
            try await db.create(index: "gatehouse_team_members_user").on("gatehouse_team_members").column("user_id").run()
        },
        Migration(version: 5, name: "authorization server") { db in
            try await db.create(table: "gatehouse_oauth_clients")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("secret_hash", type: .text, .notNull)
                .column("name", type: .text)
                .column("scopes", type: .text, .notNull)
                .column("models", type: .text, .notNull)
                .column("user_id", type: .text)
                .column("team_id", type: .text)
                .column("organization_id", type: .text)
                .limitColumns()
                .column("metadata", type: .text, .notNull)
                .column("blocked", type: .bigint, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(table: "gatehouse_signing_keys")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("algorithm", type: .text, .notNull)
                .column("sealed_private_key", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("retired_at_ms", type: .bigint)
                .run()
            try await db.create(table: "gatehouse_revoked_tokens")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("expires_at_ms", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 6, name: "spend and further limits") { db in
            for table in ["gatehouse_keys", "gatehouse_users", "gatehouse_teams", "gatehouse_organizations", "gatehouse_oauth_clients"] {
                try await db.alter(table: table).column("soft_budget", type: .custom(SQLRaw("DOUBLE PRECISION"))).run()
                try await db.alter(table: table).column("rpd_limit", type: .bigint).run()
                try await db.alter(table: table).column("tpd_limit", type: .bigint).run()
                try await db.alter(table: table).column("model_limits", type: .text).run()
            }
            try await db.create(table: "gatehouse_spend_logs")
                .column("request_id", type: .text, .primaryKey(autoIncrement: false))
                .column("started_at_ms", type: .bigint, .notNull)
                .column("principal_id", type: .text, .notNull)
                .column("method", type: .text, .notNull)
                .column("key_id", type: .text)
                .column("user_id", type: .text)
                .column("team_id", type: .text)
                .column("organization_id", type: .text)
                .column("end_user", type: .text)
                .column("model", type: .text, .notNull)
                .column("deployment", type: .text)
                .column("prompt_tokens", type: .bigint, .notNull)
                .column("completion_tokens", type: .bigint, .notNull)
                .column("usage_estimated", type: .bigint, .notNull)
                .column("cost_units", type: .bigint, .notNull)
                .column("status", type: .bigint, .notNull)
                .column("latency_ms", type: .bigint, .notNull)
                .column("stream", type: .bigint, .notNull)
                .run()
            for column in ["started_at_ms", "key_id", "user_id", "team_id"] {
                try await db.create(index: "gatehouse_spend_logs_\(column)").on("gatehouse_spend_logs").column(column).run()
            }
            try await db.create(table: "gatehouse_spend_totals")
                .column("account", type: .text, .notNull)
                .column("period_start_ms", type: .bigint, .notNull)
                .column("spend_units", type: .bigint, .notNull)
                .column("requests", type: .bigint, .notNull)
                .column("prompt_tokens", type: .bigint, .notNull)
                .column("completion_tokens", type: .bigint, .notNull)
                .primaryKey("account", "period_start_ms")
                .run()
        },
        Migration(version: 7, name: "shared budgets and rate limits") { db in
            try await db.create(table: "gatehouse_budget_holds")
                .column("id", type: .text, .notNull)
                .column("account", type: .text, .notNull)
                .column("period_start_ms", type: .bigint, .notNull)
                .column("units", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .primaryKey("id", "account")
                .run()
            try await db.create(index: "gatehouse_budget_holds_account").on("gatehouse_budget_holds").column("account").column("period_start_ms")
                .run()
            try await db.create(table: "gatehouse_rate_usage")
                .column("instance", type: .text, .notNull)
                .column("subject", type: .text, .notNull)
                .column("minute_requests", type: .bigint, .notNull)
                .column("minute_tokens", type: .bigint, .notNull)
                .column("day_start_ms", type: .bigint, .notNull)
                .column("day_requests", type: .bigint, .notNull)
                .column("day_tokens", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .primaryKey("instance", "subject")
                .run()
        },
        Migration(version: 8, name: "client certificate bindings") { db in
            try await db.create(table: "gatehouse_certificate_bindings")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("key_id", type: .text)
                .column("user_id", type: .text)
                .column("team_id", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 9, name: "audit trail") { db in
            try await db.create(table: AuditStore.records)
                .column("sequence", type: .bigint, .primaryKey(autoIncrement: false))
                .column("time_ms", type: .bigint, .notNull)
                .column("action", type: .text, .notNull)
                .column("actor", type: .text, .notNull)
                .column("object", type: .text)
                .column("outcome", type: .text, .notNull)
                .column("address", type: .text)
                .column("details", type: .text, .notNull)
                .column("previous_hash", type: .text, .notNull)
                .column("hash", type: .text, .notNull)
                .run()
            try await db.create(index: "gatehouse_audit_time").on(AuditStore.records).column("time_ms").run()
            try await db.create(index: "gatehouse_audit_actor").on(AuditStore.records).column("actor").run()
            try await db.create(index: "gatehouse_audit_object").on(AuditStore.records).column("object").run()
            // One row: the last record's sequence and hash, so that a trail cut short shows.
            try await db.create(table: AuditStore.head)
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("sequence", type: .bigint, .notNull)
                .column("hash", type: .text, .notNull)
                .run()
            try await db.insert(into: AuditStore.head).columns("id", "sequence", "hash")
                .values(SQLBind(1), SQLBind(Int64(0)), SQLBind(AuditChain.genesis)).run()
        },
        Migration(version: 10, name: "passwords and sessions") { db in
            try await db.alter(table: LoginStore.users).column("password_hash", type: .text).run()
            try await db.create(table: LoginStore.sessions)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("last_seen_ms", type: .bigint, .notNull)
                .column("address", type: .text)
                .run()
            try await db.create(index: "gatehouse_sessions_user").on(LoginStore.sessions).column("user_id").run()
        },
        Migration(version: 11, name: "shared lockout blocks") { db in
            try await db.create(table: LockoutStore.table)
                .column("subject", type: .text, .primaryKey(autoIncrement: false))
                .column("until_ms", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 12, name: "spend rows by response id, keys by alias") { db in
            try await db.create(index: "gatehouse_keys_alias").on("gatehouse_keys").column("alias").run()
            try await db.alter(table: SpendStore.logs).column("response_id", type: .text).run()
            try await db.alter(table: SpendStore.logs).column("key_alias", type: .text).run()
            try await db.create(index: "gatehouse_spend_logs_response").on(SpendStore.logs).column("response_id").run()
        },
        Migration(version: 13, name: "team members' own limits") { db in
            try await db.alter(table: DirectoryStore.members).column("bounds", type: .text).run()
        },
        Migration(version: 14, name: "team model aliases") { db in
            try await db.alter(table: "gatehouse_teams").column("model_aliases", type: .text).run()
        },
        Migration(version: 15, name: "end users and shared budgets") { db in
            try await db.create(table: CustomerStore.budgets)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .allLimitColumns()
                .column("created_by", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(table: CustomerStore.endUsers)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("alias", type: .text)
                .column("blocked", type: .bigint, .notNull)
                .column("budget_id", type: .text)
                .column("allowed_model_region", type: .text)
                .column("default_model", type: .text)
                .column("models", type: .text, .notNull)
                .column("metadata", type: .text, .notNull)
                .column("spend", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(index: "gatehouse_end_users_budget").on(CustomerStore.endUsers).column("budget_id").run()
            try await db.alter(table: "gatehouse_keys").column("budget_id", type: .text).run()
        },
        Migration(version: 16, name: "models added through the API") { db in
            try await db.create(table: ModelStore.table)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("model_name", type: .text, .notNull)
                .column("entry", type: .text, .notNull)
                .column("sealed_secrets", type: .text)
                .column("team_id", type: .text)
                .column("created_by", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 17, name: "device authorizations and refresh tokens") { db in
            try await db.create(table: PersonTokenStore.devices)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("user_code", type: .text, .notNull, .unique)
                .column("client_id", type: .text, .notNull)
                .column("scope", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("user_id", type: .text)
                .column("interval_seconds", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("last_polled_ms", type: .bigint)
                .column("created_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(table: PersonTokenStore.refreshTokens)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("family_id", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("client_id", type: .text, .notNull)
                .column("scope", type: .text, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("used_at_ms", type: .bigint)
                .column("revoked", type: .bigint, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .run()
            try await db.create(index: "gatehouse_refresh_tokens_family").on(PersonTokenStore.refreshTokens).column("family_id").run()
        },
        Migration(version: 18, name: "authorization codes and public clients") { db in
            try await db.alter(table: "gatehouse_oauth_clients").column("grant_types", type: .text).run()
            try await db.alter(table: "gatehouse_oauth_clients").column("redirect_uris", type: .text).run()
            try await db.alter(table: "gatehouse_oauth_clients").column("public", type: .bigint).run()
            try await db.create(table: PersonTokenStore.codes)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("client_id", type: .text, .notNull)
                .column("redirect_uri", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("scope", type: .text, .notNull)
                .column("code_challenge", type: .text)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("used_at_ms", type: .bigint)
                .column("family_id", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .run()
        },
        // The console's key list, newest first with keyset paging: a page is read from the index.
        Migration(version: 19, name: "keys by creation time") { db in
            try await db.create(index: "gatehouse_keys_created").on("gatehouse_keys").column("created_at_ms").column("id").run()
        },
        // The console's text search over keys' aliases and ids, from a trigram index.
        Migration(version: 20, name: "key text search") { db in
            if db.dialect.name == "sqlite" {
                for statement in KeyTextSearch.sqliteSchema { try await db.raw(SQLQueryString(statement)).run() }
            } else {
                try await KeyTextSearch.postgresIndexes(db)
            }
        },
        // A bounded key cache reads a key it does not hold by its hash, or by its replaced hash
        // while a regeneration's grace period lasts.
        Migration(version: 21, name: "keys by previous hash") { db in
            try await db.create(index: "gatehouse_keys_previous_hash").on("gatehouse_keys").column("previous_hash").run()
        },
    ]

    /// Every migration's version, in order.
    public static var versions: [Int] { all.map(\.version) }

    /// Applies every migration not yet recorded. Returns the versions applied now.
    @discardableResult
    public static func migrate(_ db: any SQLDatabase) async throws -> [Int] {
        try await db.create(table: "gatehouse_migrations").ifNotExists()
            .column("version", type: .bigint, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("applied_at_ms", type: .bigint, .notNull)
            .run()
        let applied = Set(
            try await db.select().column("version").from("gatehouse_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
        var now: [Int] = []
        for migration in all where !applied.contains(migration.version) {
            try await migration.apply(db)
            try await db.insert(into: "gatehouse_migrations")
                .columns("version", "name", "applied_at_ms")
                .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Column.milliseconds(Date())))
                .run()
            now.append(migration.version)
        }
        return now
    }
}
