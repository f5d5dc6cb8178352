import Foundation
public import GatehouseCore
public import Logging
import SQLKit
public import ServiceLifecycle
import Synchronization

/// Rate limits across instances sharing one PostgreSQL: each instance counts exactly on its own
/// and, every `interval`, publishes its per-subject usage of the last minute and the day and
/// reads the sum of the others', which its limiter then counts as well. The others' requests are
/// thus seen at most one interval (plus a query) late: the overshoot across instances is at most
/// what the others admitted in that time. An instance that stopped reporting (no update for
/// `staleAfter`) no longer counts.
public final class RateUsageSync: Service, Sendable {
    let source: any SQLConnectionSource
    let limiter: RateLimiter
    let instance = UUID().uuidString.lowercased()
    let interval: Duration
    let staleAfter: Double
    let logger: Logger
    /// Whether the store is migrated and loaded (the exchange waits for it).
    let ready: @Sendable () -> Bool
    private let lastSuccess = Mutex(Date())
    static let table = "gatehouse_rate_usage"

    public init(
        source: any SQLConnectionSource, limiter: RateLimiter, interval: Duration = .seconds(1), logger: Logger,
        ready: @escaping @Sendable () -> Bool
    ) {
        self.ready = ready
        self.source = source
        self.limiter = limiter
        self.interval = interval
        let (seconds, attoseconds) = interval.components
        self.staleAfter = max(5, 5 * (Double(seconds) + Double(attoseconds) / 1e18))
        self.logger = logger
    }

    /// Whether the last exchange with the store is older than `seconds`.
    public func isOutOfTouch(for seconds: Double, now: Date = Date()) -> Bool {
        now.timeIntervalSince(lastSuccess.withLock { $0 }) > seconds
    }

    public func run() async throws {
        while Task.serviceGoesOn {
            do {
                // Bounded: a pool waiting for a database that is gone must not hold up shutdown.
                if ready() { try await withDeadline(seconds: 5) { try await self.exchange(now: Date()) } }
                lastSuccess.withLock { $0 = Date() }
            } catch {
                logger.warning("rate limit usage not shared", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        // Leaving: the others stop counting this instance's usage at once.
        try? await source.withDatabase { db in try await db.delete(from: Self.table).where("instance", .equal, self.instance).run() }
    }

    /// Publishes this instance's usage and takes in the others'.
    public func exchange(now: Date) async throws {
        let local = limiter.localUsage(at: now.timeIntervalSince1970)
        let nowMs = Int64(saturating: (now.timeIntervalSince1970 * 1000).rounded())
        let instance = instance
        try await source.withTransaction { db in
            try await db.delete(from: Self.table).where("instance", .equal, instance).run()
            let rows = Array(local)
            for batch in stride(from: 0, to: rows.count, by: 500) {
                var insert = db.insert(into: Self.table).columns(
                    "instance", "subject", "minute_requests", "minute_tokens", "day_start_ms", "day_requests", "day_tokens", "updated_at_ms")
                for (subject, usage) in rows[batch..<min(batch + 500, rows.count)] {
                    insert = insert.values(
                        SQLBind(instance), SQLBind(subject), SQLBind(Int64(usage.minuteRequests)), SQLBind(Int64(usage.minuteTokens)),
                        SQLBind(Int64(saturating: (usage.day * 1000).rounded())), SQLBind(Int64(usage.dayRequests)), SQLBind(Int64(usage.dayTokens)),
                        SQLBind(nowMs))
                }
                try await insert.run()
            }
        }
        let since = nowMs - Int64(saturating: staleAfter * 1000)
        let others = try await source.withDatabase { db in
            try await db.select()
                .columns("subject", "day_start_ms")
                .column(SQLRaw("CAST(SUM(minute_requests) AS BIGINT)"), as: "minute_requests")
                .column(SQLRaw("CAST(SUM(minute_tokens) AS BIGINT)"), as: "minute_tokens")
                .column(SQLRaw("CAST(SUM(day_requests) AS BIGINT)"), as: "day_requests")
                .column(SQLRaw("CAST(SUM(day_tokens) AS BIGINT)"), as: "day_tokens")
                .from(Self.table)
                .where("instance", .notEqual, instance).where("updated_at_ms", .greaterThan, SQLBind(since))
                .groupBy("subject").groupBy("day_start_ms")
                .all()
        }
        var remote: [String: RateLimiter.Usage] = [:]
        for row in others {
            let subject = try row.decode(column: "subject", as: String.self)
            let day = Double(try row.decode(column: "day_start_ms", as: Int64.self)) / 1000
            var usage = remote[subject] ?? RateLimiter.Usage()
            usage.minuteRequests += Int(try row.decode(column: "minute_requests", as: Int64.self))
            usage.minuteTokens += Int(try row.decode(column: "minute_tokens", as: Int64.self))
            // Instances on different days (around midnight) count only toward the latest.
            if day >= usage.day {
                if day > usage.day { (usage.dayRequests, usage.dayTokens) = (0, 0) }
                usage.day = day
                usage.dayRequests += Int(try row.decode(column: "day_requests", as: Int64.self))
                usage.dayTokens += Int(try row.decode(column: "day_tokens", as: Int64.self))
            }
            remote[subject] = usage
        }
        limiter.setRemoteUsage(remote)
    }
}
