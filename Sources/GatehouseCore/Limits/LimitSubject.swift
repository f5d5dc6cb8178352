/// One level of the chain whose limits a request must pass: the key, its user, team,
/// organization, or the limits a token itself carries. Also the account a request's spend is
/// charged to. Its fields live in one immutable box: the request path copies subjects into its
/// admission, its accounts and its billing, and a copy is then one reference counted rather than
/// one for each of a dozen fields.
public struct LimitSubject: Sendable, Equatable {
    @usableFromInline final class Fields: Sendable {
        @usableFromInline let id: String
        @usableFromInline let level: LimitLevel
        @usableFromInline let limits: Limits
        @usableFromInline let maxBudget: USD?
        @usableFromInline let softBudget: USD?
        @usableFromInline let period: BudgetPeriod?
        @usableFromInline let isPerModel: Bool

        init(id: String, level: LimitLevel, limits: Limits, isPerModel: Bool) {
            self.id = id
            self.level = level
            self.limits = limits
            self.isPerModel = isPerModel
            maxBudget = limits.maxBudget.map(USD.init(dollars:))
            softBudget = limits.softBudget.map(USD.init(dollars:))
            period = limits.budgetDuration.flatMap(BudgetPeriod.init)
        }
    }

    @usableFromInline let fields: Fields

    /// Internal identity of the counter (`key:…`, `team:…`); never shown to clients.
    @inlinable public var id: String { fields.id }
    /// What the client may be told.
    @inlinable public var level: LimitLevel { fields.level }
    @inlinable public var limits: Limits { fields.limits }
    /// Parsed once here rather than per request.
    @inlinable public var maxBudget: USD? { fields.maxBudget }
    @inlinable public var softBudget: USD? { fields.softBudget }
    @inlinable public var period: BudgetPeriod? { fields.period }
    /// How this level's budget admits requests; nil: the gateway's setting.
    public var admission: BudgetAdmission? { limits.budgetAdmission }
    /// Whether this is the per-model part of a level's limits (`model_rpm_limit`).
    @inlinable public var isPerModel: Bool { fields.isPerModel }

    public init(id: String, level: LimitLevel, limits: Limits) {
        fields = Fields(id: id, level: level, limits: limits, isPerModel: false)
    }

    private init(perModel id: String, level: LimitLevel, limits: Limits) {
        fields = Fields(id: id, level: level, limits: limits, isPerModel: true)
    }

    public static func == (left: LimitSubject, right: LimitSubject) -> Bool {
        left.fields === right.fields
            || (left.id == right.id && left.level == right.level && left.limits == right.limits && left.isPerModel == right.isPerModel)
    }

    /// One level's object as an account without limits (`team:team_1`): what its spend is
    /// charged to when the level sets no limits.
    public static func account(_ level: LimitLevel, _ id: String) -> LimitSubject {
        LimitSubject(id: level.subject(id), level: level, limits: Limits())
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
        return LimitSubject(perModel: id + "/" + model, level: level, limits: Limits(rpmLimit: rpm, tpmLimit: tpm))
    }

    /// The object's id without the level (`team_1` of `team:team_1`).
    public var idWithin: String { String(id.dropFirst(level.rawValue.count + 1)) }

    public var hasModelLimits: Bool { !limits.modelRPMLimit.isEmpty || !limits.modelTPMLimit.isEmpty }
}
