import Foundation

/// One request as billed: who made it (the whole chain), what it used and cost, how it ended.
public struct SpendRecord: Sendable, Equatable {
    public var requestID: String
    /// The `id` of the response the client got (`chatcmpl-…`, `msg_…`), when it had one: what
    /// LiteLLM's tools look a request up by.
    public var responseID: String?
    public var startedAt: Date
    public var principalID: String
    public var method: String
    public var keyID: String?
    public var keyAlias: String?
    public var userID: String?
    public var teamID: String?
    public var organizationID: String?
    /// The request's `user` field: the caller's own end user.
    public var endUser: String?
    public var model: String
    public var deployment: String?
    public var usage: Usage
    /// Whether `usage` is Gatehouse's estimate (the upstream never reported it).
    public var usageEstimated: Bool
    public var cost: USD
    /// The HTTP status the client got.
    public var status: Int
    public var latencyMs: Int
    public var stream: Bool
    /// The accounts and periods the cost was added to.
    public var charges: [BudgetLedger.Charge]

    public init(
        requestID: String, startedAt: Date, principalID: String, method: String, model: String, usage: Usage, cost: USD, status: Int,
        charges: [BudgetLedger.Charge]
    ) {
        self.requestID = requestID
        self.startedAt = startedAt
        self.principalID = principalID
        self.method = method
        self.model = model
        self.usage = usage
        self.usageEstimated = false
        self.cost = cost
        self.status = status
        self.latencyMs = 0
        self.stream = false
        self.charges = charges
    }
}
