import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import Logging
import ServiceLifecycle

/// Limits, budgets and spend, all in the configured time zone: the ledger, the spend writer,
/// shared budgets and rate-limit exchange on PostgreSQL, soft-budget alerts, and the `Metering`
/// that admits and bills each model request.
struct MeteringPart {
    let metering: Metering
    let ledger: BudgetLedger
    let spendStore: SpendStore
    let spendWriter: SpendWriter
    let sharedBudgets: SharedBudgets?
    let alerts: AlertWebhook?
    let rateSync: RateUsageSync?
    let limiter: RateLimiter
    let settlements = Settlements()

    /// - Parameters:
    ///   - holdSeconds: how long a shared budget hold outlives a request whose instance died.
    ///   - ready: whether the identity cache is loaded (the rate-limit exchange waits for it).
    init(
        settings: MeteringSettings, holdSeconds: Double, router: ModelRouter, connection: StoreConnection, metrics: GatewayMetrics,
        logger: Logger, ready: @escaping @Sendable () -> Bool
    ) throws {
        guard let calendar = BudgetPeriod.calendar(timeZone: settings.timeZone) else {
            throw GatewayError.invalidRequest("Unknown time zone \(settings.timeZone).")
        }
        ledger = BudgetLedger(calendar: calendar)
        spendStore = SpendStore(source: connection.source)
        spendWriter = SpendWriter(
            store: spendStore, interval: .milliseconds(Int64(saturating: settings.spendFlushIntervalSeconds * 1000)), logger: logger)
        alerts = settings.alertWebhookURL.map { AlertWebhook(url: $0, name: "alert", logger: logger) }
        sharedBudgets = connection.isShared ? SharedBudgets(source: connection.source) : nil
        let limiter = RateLimiter(calendar: calendar)
        self.limiter = limiter
        rateSync =
            connection.isShared
            ? RateUsageSync(
                source: connection.source, limiter: limiter, interval: .milliseconds(Int64(saturating: settings.rateLimitSyncSeconds * 1000)),
                logger: logger, ready: ready)
            : nil
        metering = Metering(
            router: router, settings: settings, holdSeconds: holdSeconds, ledger: ledger, limiter: limiter, writer: spendWriter,
            settlements: settlements, shared: sharedBudgets, sync: rateSync, logger: logger,
            observer: MeteringEvents(metrics: metrics, alerts: alerts))
    }

    /// Stopped in reverse: alerts, the exchange, the settlements (whose failures become spend
    /// rows), then the spend writer's last flush.
    var services: [any Service] { [spendWriter, settlements] + (rateSync.map { [$0] } ?? []) + (alerts.map { [$0] } ?? []) }

    /// Before the listener opens: expired shared holds removed, or this instance's totals loaded.
    func load() async throws {
        if let sharedBudgets {
            try await sharedBudgets.removeExpired(now: Date())
        } else {
            for total in try await spendStore.totals() { ledger.load(account: total.account, periodStart: total.periodStart, spent: total.spend) }
        }
    }
}
