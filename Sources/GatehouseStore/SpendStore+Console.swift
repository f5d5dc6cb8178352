import Foundation
import GatehouseCore
import SQLKit

extension SpendStore {
    /// How one deployment answered over a stretch of time.
    public struct DeploymentStats: Sendable, Equatable {
        public var deployment: String
        public var requests: Int
        /// Answers with status 400 or above.
        public var errors: Int
        /// Mean time from admission to the end of the answer, in milliseconds.
        public var meanLatencyMs: Int
        public var maxLatencyMs: Int
    }

    /// Requests, errors and latency per deployment of the rows the filter selects (one grouped
    /// query); rows no deployment answered are left out.
    public func deployments(_ filter: Filter) async throws -> [DeploymentStats] {
        try await source.withDatabase { db in
            var query = db.select().column("deployment").column(SQLRaw("COUNT(*)"), as: "requests")
                .column(SQLRaw("CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT)"), as: "errors")
                .column(SQLRaw("CAST(AVG(latency_ms) AS BIGINT)"), as: "mean")
                .column(SQLRaw("CAST(MAX(latency_ms) AS BIGINT)"), as: "max")
                .from(Self.logs).where(SQLColumn("deployment"), .isNot, SQLLiteral.null)
            query = Self.apply(filter, to: query)
            return try await query.groupBy("deployment").orderBy("deployment").all().map { row in
                DeploymentStats(
                    deployment: try row.decode(column: "deployment", as: String.self),
                    requests: Int(try row.decode(column: "requests", as: Int64.self)),
                    errors: Int(try row.decode(column: "errors", as: Int64?.self) ?? 0),
                    meanLatencyMs: Int(try row.decode(column: "mean", as: Int64?.self) ?? 0),
                    maxLatencyMs: Int(try row.decode(column: "max", as: Int64?.self) ?? 0))
            }
        }
    }
}

extension SpendStore {
    /// What one object (a key, user, team or organization) had used before a moment, from its
    /// spend rows: what the request explainer shows each limit stood at.
    public struct LevelUse: Sendable, Equatable {
        public var spend = USD.zero
        public var minuteRequests = 0
        public var minuteTokens = 0
        public var dayRequests = 0
        public var dayTokens = 0
    }

    /// The columns a level's rows are found by.
    public static let levelColumns: [LimitLevel: String] = [.key: "key_id", .user: "user_id", .team: "team_id", .organization: "organization_id"]

    /// The object's spend since `budgetFrom` and its requests and tokens in the minute and since
    /// `dayFrom`, all before `moment` (one query over the object's rows).
    public func use(of level: LimitLevel, id: String, before moment: Date, budgetFrom: Date, dayFrom: Date) async throws -> LevelUse {
        guard let column = Self.levelColumns[level] else { return LevelUse() }
        let budget = Column.milliseconds(budgetFrom)
        let day = Column.milliseconds(dayFrom)
        let minute = Column.milliseconds(moment.addingTimeInterval(-60))
        @Sendable func sum(_ value: String, since start: Int64) -> SQLRaw {
            SQLRaw("CAST(SUM(CASE WHEN started_at_ms >= \(start) THEN \(value) ELSE 0 END) AS BIGINT)")
        }
        let tokens = "(prompt_tokens + completion_tokens)"
        return try await source.withDatabase { db in
            let row = try await db.select().column(sum("cost_units", since: budget), as: "spend")
                .column(sum("1", since: minute), as: "minute_requests").column(sum(tokens, since: minute), as: "minute_tokens")
                .column(sum("1", since: day), as: "day_requests").column(sum(tokens, since: day), as: "day_tokens")
                .from(Self.logs).where(SQLColumn(column), .equal, SQLBind(id))
                .where("started_at_ms", .greaterThanOrEqual, SQLBind(min(budget, day, minute)))
                .where("started_at_ms", .lessThan, SQLBind(Column.milliseconds(moment))).first()
            func int(_ name: String) throws -> Int { Int(try row?.decode(column: name, as: Int64?.self) ?? 0) }
            return LevelUse(
                spend: USD(units: try row?.decode(column: "spend", as: Int64?.self) ?? 0), minuteRequests: try int("minute_requests"),
                minuteTokens: try int("minute_tokens"), dayRequests: try int("day_requests"), dayTokens: try int("day_tokens"))
        }
    }
}
