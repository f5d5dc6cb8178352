import GatehouseCore
import GatehouseMetering

/// What metering reports, counted in the metrics and posted to the alert webhook.
struct MeteringEvents: MeteringObserver {
    let metrics: GatewayMetrics
    let alerts: AlertWebhook?

    func refused(kind: String, level: String) {
        metrics.rejection(kind: kind, level: level)
    }

    func billed(model: String, status: Int, promptTokens: Int, completionTokens: Int, cost: USD, keyAlias: String?) {
        metrics.modelRequest(
            model: model, status: status, promptTokens: promptTokens, completionTokens: completionTokens, cost: cost, keyAlias: keyAlias)
    }

    func softBudgetCrossed(_ subject: LimitSubject, spent: USD) {
        alerts?.send(
            .softBudgetCrossed(
                level: subject.level.rawValue, account: subject.id, spent: spent, softBudget: subject.softBudget ?? .zero,
                maxBudget: subject.maxBudget))
    }
}
