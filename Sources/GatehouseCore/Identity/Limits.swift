/// The rate limits and budget that any level of the chain (key, user, team, organization) may
/// carry, in LiteLLM's terms. A nil field sets no limit at that level.
public struct Limits: Sendable, Equatable {
    public var maxBudget: Double?
    /// Spend at which the alert webhook is told, once per budget period; nothing is refused.
    public var softBudget: Double?
    public var budgetDuration: String?
    public var rpmLimit: Int?
    public var tpmLimit: Int?
    /// Requests and tokens per calendar day (in the configured time zone).
    public var rpdLimit: Int?
    public var tpdLimit: Int?
    public var maxParallelRequests: Int?
    /// Per public model name: requests and tokens per minute within this level.
    public var modelRPMLimit: [String: Int] = [:]
    public var modelTPMLimit: [String: Int] = [:]
    /// Addresses (CIDR networks) this level's credentials may be used from; empty: any.
    public var allowedIPs: [IPNetwork] = []
    /// How this level's budget admits requests; nil: the gateway's `budget_admission`.
    public var budgetAdmission: BudgetAdmission?

    public init(
        maxBudget: Double? = nil, softBudget: Double? = nil, budgetDuration: String? = nil, rpmLimit: Int? = nil, tpmLimit: Int? = nil,
        rpdLimit: Int? = nil, tpdLimit: Int? = nil, maxParallelRequests: Int? = nil
    ) {
        self.maxBudget = maxBudget
        self.softBudget = softBudget
        self.budgetDuration = budgetDuration
        self.rpmLimit = rpmLimit
        self.tpmLimit = tpmLimit
        self.rpdLimit = rpdLimit
        self.tpdLimit = tpdLimit
        self.maxParallelRequests = maxParallelRequests
    }

    public var isEmpty: Bool { self == Limits() }

    /// Whether a request or token window applies at this level.
    public var hasWindow: Bool {
        rpmLimit != nil || tpmLimit != nil || rpdLimit != nil || tpdLimit != nil || !modelRPMLimit.isEmpty || !modelTPMLimit.isEmpty
    }

    /// Whether any limit counts tokens (so a request must reserve its estimate).
    public var countsTokens: Bool { tpmLimit != nil || tpdLimit != nil || !modelTPMLimit.isEmpty }
}
