import Foundation
public import GatehouseCore
import NIOPosix
import SQLKit

/// Spend in the database: one row per request, and running totals per account and budget period,
/// written together in one transaction so that they never disagree.
public struct SpendStore: Sendable {
    let source: any SQLConnectionSource
    static let logs = "gatehouse_spend_logs"
    static let totals = "gatehouse_spend_totals"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    /// Writes the records and adds them to the totals, all or nothing.
    ///
    /// A batch is thousands of rows under load: it is prepared and (SQLite) written on the thread
    /// pool, not on the calling task's event loop, where making its statements held up every
    /// request on that loop for milliseconds twice a second (it showed in the proxy's p99).
    public func write(_ records: [SpendRecord]) async throws {
        guard !records.isEmpty else { return }
        if let sqlite = source as? SQLiteSource {
            try await sqlite.withHandle { db in try Self.writeSQLite(records, on: db) }
        } else {
            let (rows, sums) = try await NIOThreadPool.singleton.runIfActive { (Self.postgresRowBatches(records), Self.sums(records)) }
            try await source.withTransaction { db in try await Self.write(rows: rows, sums: sums, in: db) }
        }
    }

    typealias Sums = [BudgetLedger.Charge: (cost: Int64, requests: Int64, prompt: Int64, completion: Int64)]

    /// What the records add to each account's total in each period.
    static func sums(_ records: [SpendRecord]) -> Sums {
        var sums: Sums = [:]
        // Each record read in place, not copied (a copy retains each of its texts).
        for index in records.indices {
            let (cost, usage) = (records[index].cost.units, records[index].usage)
            func add(to sum: inout (cost: Int64, requests: Int64, prompt: Int64, completion: Int64)) {
                sum.cost += cost
                sum.requests += 1
                sum.prompt += Int64(usage.promptTokens)
                sum.completion += Int64(usage.completionTokens)
            }
            // One lookup a charge: the sum is changed where it is kept.
            for charge in records[index].charges { add(to: &sums[charge, default: (0, 0, 0, 0)]) }
        }
        return sums
    }

    /// The rows and the totals they add to, inside the caller's transaction.
    static func write(_ records: [SpendRecord], in db: any SQLDatabase) async throws {
        try await write(rows: postgresRowBatches(records), sums: sums(records), in: db)
    }

    /// The records as JSON arrays of at most 1,000 rows, one per `INSERT`.
    static func postgresRowBatches(_ records: [SpendRecord]) -> [String] {
        stride(from: 0, to: records.count, by: 1000).map { postgresRows(records[$0..<min($0 + 1000, records.count)]) }
    }

    /// Row batches made by `postgresRowBatches`, and their sums, inside the caller's transaction.
    static func write(rows batches: [String], sums: Sums, in db: any SQLDatabase) async throws {
        for rows in batches {
            try await db.raw(
                "INSERT INTO \(unsafeRaw: logs) (\(unsafeRaw: logColumns.joined(separator: ", "))) SELECT \(unsafeRaw: logColumns.joined(separator: ", ")) FROM json_to_recordset(\(bind: rows)::json) AS r(\(unsafeRaw: postgresRowTypes))"
            ).run()
        }
        // In a fixed order, so that concurrent writers lock the same rows in the same order.
        for (charge, sum) in sums.sorted(by: { ($0.key.account, $0.key.periodStart) < ($1.key.account, $1.key.periodStart) }) {
            try await db.insert(into: totals)
                .columns("account", "period_start_ms", "spend_units", "requests", "prompt_tokens", "completion_tokens")
                .values(
                    SQLBind(charge.account), SQLBind(charge.periodStart), SQLBind(sum.cost), SQLBind(sum.requests), SQLBind(sum.prompt),
                    SQLBind(sum.completion)
                )
                .onConflict(with: ["account", "period_start_ms"]) { update in
                    var update = update
                    for column in ["spend_units", "requests", "prompt_tokens", "completion_tokens"] {
                        update = update.set(SQLColumn(column), to: SQLRaw("\(totals).\(column) + excluded.\(column)"))
                    }
                    return update
                }
                .run()
        }
    }

    /// Every account's totals (each period it has spent in), for loading the budget ledger.
    public func totals() async throws -> [(account: String, periodStart: Int64, spend: USD)] {
        try await source.withDatabase { db in
            try await db.select().columns("account", "period_start_ms", "spend_units").from(Self.totals).all().map { row in
                (
                    try row.decode(column: "account", as: String.self), try row.decode(column: "period_start_ms", as: Int64.self),
                    USD(units: try row.decode(column: "spend_units", as: Int64.self))
                )
            }
        }
    }

    /// The totals of these accounts in these periods (absent: nothing spent).
    public func totals(of charges: [BudgetLedger.Charge]) async throws -> [BudgetLedger.Charge: USD] {
        guard !charges.isEmpty else { return [:] }
        let wanted = Set(charges)
        return try await source.withDatabase { db in
            var found: [BudgetLedger.Charge: USD] = [:]
            let rows = try await db.select().columns("account", "period_start_ms", "spend_units").from(Self.totals)
                .where("account", .in, Array(Set(charges.map(\.account)))).all()
            for row in rows {
                let charge = BudgetLedger.Charge(
                    account: try row.decode(column: "account", as: String.self),
                    periodStart: try row.decode(column: "period_start_ms", as: Int64.self))
                if wanted.contains(charge) { found[charge] = USD(units: try row.decode(column: "spend_units", as: Int64.self)) }
            }
            return found
        }
    }

    /// What to select spend rows by; nil fields do not filter.
    public struct Filter: Sendable {
        public var requestID: String?
        public var keyID: String?
        public var userID: String?
        public var teamID: String?
        public var organizationID: String?
        public var model: String?
        /// The request's `user` field (LiteLLM's customer).
        public var endUser: String?
        public var from: Date?
        /// Exclusive.
        public var until: Date?

        public init() {}
    }

    /// Spend rows, newest first.
    public func records(_ filter: Filter, limit: Int, offset: Int = 0) async throws -> [SpendRecord] {
        try await source.withDatabase { db in
            var query = db.select().columns(Self.logColumns.map { SQLColumn($0) }).from(Self.logs)
            query = Self.apply(filter, to: query)
            return try await query.orderBy("started_at_ms", .descending).orderBy("request_id").limit(limit).offset(offset).all().map(Self.record)
        }
    }

    /// Spend grouped by a column (`key_id`, `team_id`, `user_id`, `model`…), largest first.
    public func spend(by column: String, _ filter: Filter, limit: Int) async throws -> [(group: String?, spend: USD, requests: Int, tokens: Int)] {
        try await source.withDatabase { db in
            var query = db.select().column(SQLColumn(column), as: "grp")
                .column(SQLRaw("CAST(SUM(cost_units) AS BIGINT)"), as: "spend")
                .column(SQLRaw("COUNT(*)"), as: "requests")
                .column(SQLRaw("CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT)"), as: "tokens")
                .from(Self.logs)
            query = Self.apply(filter, to: query)
            return try await query.groupBy(SQLColumn(column)).orderBy(SQLOrderBy(expression: SQLRaw("spend"), direction: SQLDirection.descending))
                .limit(limit).all().map { row in
                    (
                        try row.decode(column: "grp", as: String?.self), USD(units: try row.decode(column: "spend", as: Int64?.self) ?? 0),
                        Int(try row.decode(column: "requests", as: Int64.self)), Int(try row.decode(column: "tokens", as: Int64?.self) ?? 0)
                    )
                }
        }
    }

    /// One line of a spend report: a day's spend of one group (`team_id`, `end_user`, `key_id`…)
    /// on one model through one key and deployment.
    public struct ReportLine: Sendable, Equatable {
        /// Days since 1970-01-01 (UTC).
        public var day: Int
        public var group: String?
        public var model: String
        public var keyID: String?
        public var deployment: String?
        public var spend: USD
        public var promptTokens: Int
        public var completionTokens: Int
        public var requests: Int
    }

    /// Spend by day, `column`, model, key and deployment, the largest `limit` lines.
    public func report(by column: String, _ filter: Filter, limit: Int) async throws -> [ReportLine] {
        try await source.withDatabase { db in
            let day = SQLRaw("(started_at_ms / 86400000)")
            var query = db.select().column(day, as: "day").column(SQLColumn(column), as: "grp").column("model").column("key_id")
                .column("deployment")
                .column(SQLRaw("CAST(SUM(cost_units) AS BIGINT)"), as: "spend")
                .column(SQLRaw("CAST(SUM(prompt_tokens) AS BIGINT)"), as: "prompt")
                .column(SQLRaw("CAST(SUM(completion_tokens) AS BIGINT)"), as: "completion")
                .column(SQLRaw("COUNT(*)"), as: "requests")
                .from(Self.logs)
            query = Self.apply(filter, to: query)
            return try await query.groupBy(day).groupBy(SQLColumn(column)).groupBy("model").groupBy("key_id").groupBy("deployment")
                .orderBy(SQLOrderBy(expression: SQLRaw("spend"), direction: SQLDirection.descending)).limit(limit).all()
                .map { row in
                    ReportLine(
                        day: Int(try row.decode(column: "day", as: Int64.self)), group: try row.decode(column: "grp", as: String?.self),
                        model: try row.decode(column: "model", as: String.self), keyID: try row.decode(column: "key_id", as: String?.self),
                        deployment: try row.decode(column: "deployment", as: String?.self),
                        spend: USD(units: try row.decode(column: "spend", as: Int64?.self) ?? 0),
                        promptTokens: Int(try row.decode(column: "prompt", as: Int64?.self) ?? 0),
                        completionTokens: Int(try row.decode(column: "completion", as: Int64?.self) ?? 0),
                        requests: Int(try row.decode(column: "requests", as: Int64.self)))
                }
        }
    }

    /// One day's (or stretch's) requests: how many, how many failed (status 400 or above), and
    /// their spend.
    public struct Day: Sendable, Equatable {
        /// Days since 1970-01-01 (UTC), or stretches for `buckets`.
        public var day: Int
        public var requests: Int
        public var errors: Int
        public var spend: USD

        public init(day: Int, requests: Int = 0, errors: Int = 0, spend: USD = .zero) {
            self.day = day
            self.requests = requests
            self.errors = errors
            self.spend = spend
        }
    }

    /// Requests, errors and spend by day (UTC), oldest first; days without requests are absent.
    public func daily(_ filter: Filter) async throws -> [Day] { try await buckets(filter, milliseconds: 86_400_000) }

    /// Requests, errors and spend by stretches of `milliseconds` since 1970 (`day` is the
    /// stretch's number), oldest first; stretches without requests are absent.
    public func buckets(_ filter: Filter, milliseconds width: Int64) async throws -> [Day] {
        try await source.withDatabase { db in
            let day = SQLRaw("(started_at_ms / \(max(1, width)))")
            var query = db.select().column(day, as: "day").column(SQLRaw("COUNT(*)"), as: "requests")
                .column(SQLRaw("CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT)"), as: "errors")
                .column(SQLRaw("CAST(SUM(cost_units) AS BIGINT)"), as: "spend").from(Self.logs)
            query = Self.apply(filter, to: query)
            return try await query.groupBy(day).orderBy(day).all().map { row in
                Day(
                    day: Int(try row.decode(column: "day", as: Int64.self)), requests: Int(try row.decode(column: "requests", as: Int64.self)),
                    errors: Int(try row.decode(column: "errors", as: Int64?.self) ?? 0),
                    spend: USD(units: try row.decode(column: "spend", as: Int64?.self) ?? 0))
            }
        }
    }

    /// Total spend of the rows the filter selects.
    public func total(_ filter: Filter) async throws -> USD {
        try await source.withDatabase { db in
            var query = db.select().column(SQLRaw("CAST(SUM(cost_units) AS BIGINT)"), as: "spend").from(Self.logs)
            query = Self.apply(filter, to: query)
            return USD(units: try await query.first()?.decode(column: "spend", as: Int64?.self) ?? 0)
        }
    }

    static let logColumns = [
        "request_id", "started_at_ms", "principal_id", "method", "key_id", "user_id", "team_id", "organization_id", "end_user", "model",
        "deployment", "prompt_tokens", "completion_tokens", "usage_estimated", "cost_units", "status", "latency_ms", "stream", "response_id",
        "key_alias",
    ]

    static func record(_ row: any SQLRow) throws -> SpendRecord {
        var record = SpendRecord(
            requestID: try row.decode(column: "request_id", as: String.self), startedAt: try Column.date(row, "started_at_ms"),
            principalID: try row.decode(column: "principal_id", as: String.self), method: try row.decode(column: "method", as: String.self),
            model: try row.decode(column: "model", as: String.self),
            usage: Usage(
                promptTokens: Int(try row.decode(column: "prompt_tokens", as: Int64.self)),
                completionTokens: Int(try row.decode(column: "completion_tokens", as: Int64.self))),
            cost: USD(units: try row.decode(column: "cost_units", as: Int64.self)), status: Int(try row.decode(column: "status", as: Int64.self)),
            charges: [])
        record.keyID = try row.decode(column: "key_id", as: String?.self)
        record.userID = try row.decode(column: "user_id", as: String?.self)
        record.teamID = try row.decode(column: "team_id", as: String?.self)
        record.organizationID = try row.decode(column: "organization_id", as: String?.self)
        record.endUser = try row.decode(column: "end_user", as: String?.self)
        record.deployment = try row.decode(column: "deployment", as: String?.self)
        record.usageEstimated = try Column.bool(row, "usage_estimated")
        record.latencyMs = Int(try row.decode(column: "latency_ms", as: Int64.self))
        record.stream = try Column.bool(row, "stream")
        record.responseID = try row.decode(column: "response_id", as: String?.self)
        record.keyAlias = try row.decode(column: "key_alias", as: String?.self)
        return record
    }

    static func apply(_ filter: Filter, to query: SQLSelectBuilder) -> SQLSelectBuilder {
        var query = query
        if let id = filter.requestID {
            // Gatehouse's own id (`x-gatehouse-request-id`) or the response's (`chatcmpl-…`).
            query = query.where { $0.where("request_id", .equal, SQLBind(id)).orWhere("response_id", .equal, SQLBind(id)) }
        }
        let equal: [(String, String?)] = [
            ("key_id", filter.keyID), ("user_id", filter.userID), ("team_id", filter.teamID),
            ("organization_id", filter.organizationID), ("model", filter.model), ("end_user", filter.endUser),
        ]
        for case (let column, let value?) in equal { query = query.where(SQLColumn(column), .equal, SQLBind(value)) }
        if let from = filter.from { query = query.where("started_at_ms", .greaterThanOrEqual, SQLBind(Column.milliseconds(from))) }
        if let until = filter.until { query = query.where("started_at_ms", .lessThan, SQLBind(Column.milliseconds(until))) }
        return query
    }
}
