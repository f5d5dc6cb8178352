/// One level of the chain whose limits a request must pass: the key, its user, team,
/// organization, or the limits a token itself carries. Also the account a request's spend is
/// charged to.
public struct LimitSubject: Sendable, Equatable {
    /// Internal identity of the counter (`key:…`, `team:…`); never shown to clients.
    public var id: String
    /// What the client may be told.
    public var level: LimitLevel
    public var limits: Limits
    /// Parsed once here rather than per request.
    public let maxBudget: USD?
    public let softBudget: USD?
    public let period: BudgetPeriod?
    /// How this level's budget admits requests; nil: the gateway's setting.
    public var admission: BudgetAdmission? { limits.budgetAdmission }
    /// Whether this is the per-model part of a level's limits (`model_rpm_limit`).
    public private(set) var isPerModel = false

    public init(id: String, level: LimitLevel, limits: Limits) {
        self.id = id
        self.level = level
        self.limits = limits
        maxBudget = limits.maxBudget.map(USD.init(dollars:))
        softBudget = limits.softBudget.map(USD.init(dollars:))
        period = limits.budgetDuration.flatMap(BudgetPeriod.init)
    }

    /// The subject of one level's object (`team`, `team_1`), or nil when it has no limits.
    public init?(level: LimitLevel, id: String, limits: Limits) {
        guard !limits.isEmpty else { return nil }
        self.init(id: level.subject(id), level: level, limits: limits)
    }

    /// The level's limits for one model (`model_rpm_limit`, `model_tpm_limit`), as a subject of
    /// its own, or nil when the level sets none for it.
    public func perModel(_ model: String) -> LimitSubject? {
        let rpm = limits.modelRPMLimit[model]
        let tpm = limits.modelTPMLimit[model]
        guard rpm != nil || tpm != nil else { return nil }
        var subject = LimitSubject(id: id + "/" + model, level: level, limits: Limits(rpmLimit: rpm, tpmLimit: tpm))
        subject.isPerModel = true
        return subject
    }

    /// The object's id without the level (`team_1` of `team:team_1`).
    public var idWithin: String { String(id.dropFirst(level.rawValue.count + 1)) }

    public var hasModelLimits: Bool { !limits.modelRPMLimit.isEmpty || !limits.modelTPMLimit.isEmpty }
}
