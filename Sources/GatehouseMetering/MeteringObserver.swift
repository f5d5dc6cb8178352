public import GatehouseCore

/// What metering tells the rest of the gateway (metrics, the alert webhook): the server provides
/// it, so metering needs no HTTP.
public protocol MeteringObserver: Sendable {
    /// A request refused by a limit. `kind`: `rate`, `concurrency`, `budget`,
    /// `store_unavailable`, `spend_queue`; `level`: the level that refused it.
    func refused(kind: String, level: String)
    /// A model request ended and was billed.
    func billed(model: String, status: Int, promptTokens: Int, completionTokens: Int, cost: USD, keyAlias: String?)
    /// A level's spend reached its soft budget in the current period (once per crossing).
    func softBudgetCrossed(_ subject: LimitSubject, spent: USD)
}

/// The line a request leaves in the access log, filled in by metering as the request is admitted
/// and billed.
public protocol MeteringNote: Sendable {
    func admitted(requestID: String, model: String, stream: Bool)
    func billed(deployment: String?, promptTokens: Int, completionTokens: Int, cost: USD, status: Int)
}
