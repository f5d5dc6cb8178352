/// The rate limits and budget that any level of the chain (key, user, team, organization) may
/// carry, in LiteLLM's terms. A nil field sets no limit at that level.
public struct Limits: Sendable, Equatable {
    public var maxBudget: Double?
    public var budgetDuration: String?
    public var rpmLimit: Int?
    public var tpmLimit: Int?
    public var maxParallelRequests: Int?

    public init(maxBudget: Double? = nil, budgetDuration: String? = nil, rpmLimit: Int? = nil, tpmLimit: Int? = nil, maxParallelRequests: Int? = nil)
    {
        self.maxBudget = maxBudget
        self.budgetDuration = budgetDuration
        self.rpmLimit = rpmLimit
        self.tpmLimit = tpmLimit
        self.maxParallelRequests = maxParallelRequests
    }
}
