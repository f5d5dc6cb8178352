import Foundation

/// A named set of limits (LiteLLM's budget table) that end users, keys and team members refer to
/// by `budget_id`: each referrer is held to these limits with its own spend, and a change here
/// reaches every referrer at once. Where the budget sets a limit it wins over the referrer's own
/// (whose owner could otherwise lift it); the referrer's own fill in the rest.
public struct Budget: Sendable, Equatable {
    public var id: String
    public var limits = Limits()
    public var createdBy: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, createdAt: Date = Date()) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

extension Limits {
    /// These limits with every limit they leave unset taken from `budget`.
    public func filled(from budget: Limits) -> Limits {
        var merged = self
        merged.maxBudget = maxBudget ?? budget.maxBudget
        merged.softBudget = softBudget ?? budget.softBudget
        merged.budgetDuration = budgetDuration ?? budget.budgetDuration
        merged.rpmLimit = rpmLimit ?? budget.rpmLimit
        merged.tpmLimit = tpmLimit ?? budget.tpmLimit
        merged.rpdLimit = rpdLimit ?? budget.rpdLimit
        merged.tpdLimit = tpdLimit ?? budget.tpdLimit
        merged.maxParallelRequests = maxParallelRequests ?? budget.maxParallelRequests
        merged.modelRPMLimit = budget.modelRPMLimit.merging(modelRPMLimit) { _, own in own }
        merged.modelTPMLimit = budget.modelTPMLimit.merging(modelTPMLimit) { _, own in own }
        merged.allowedIPs = allowedIPs.isEmpty ? budget.allowedIPs : allowedIPs
        merged.budgetAdmission = budgetAdmission ?? budget.budgetAdmission
        return merged
    }
}
