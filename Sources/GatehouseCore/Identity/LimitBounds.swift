/// Every field of `Limits`, declared once with how a grant of it stays within a bound: the
/// "nobody grants more than they hold" rule of the management API reads this list, so a field
/// added to `Limits` later is bounded as soon as it is declared here (a test fails until it is).
public struct BoundedLimit: Sendable {
    /// The management API's name of the field (`rpm_limit`).
    public let name: String
    /// The `Limits` property it is (`rpmLimit`), for the test that every property is declared.
    public let property: String
    /// Whether the field (or what its bound depends on) differs between two versions.
    let changed: @Sendable (Limits, Limits) -> Bool
    /// Whether `candidate` is within `bound` for this field (true when the bound sets nothing).
    let within: @Sendable (_ candidate: Limits, _ bound: Limits) -> Bool
    /// Sets the field of `result` to the tightest of `bounds`' (within each of them).
    let tightest: @Sendable (_ result: inout Limits, _ bounds: [Limits]) -> Void
    /// Copies the field from `source` to `target`.
    let copy: @Sendable (_ target: inout Limits, _ source: Limits) -> Void
}

public enum LimitBounds {
    /// The fields, in the order their refusals are reported.
    public static let fields: [BoundedLimit] = [
        BoundedLimit(
            name: "max_budget", property: "maxBudget", changed: { $0.maxBudget != $1.maxBudget },
            within: { candidate, bound in at(candidate.maxBudget, most: bound.maxBudget) },
            tightest: { $0.maxBudget = $1.compactMap(\.maxBudget).min() }, copy: { $0.maxBudget = $1.maxBudget }),
        // A budget that resets more often allows more spend: a 30-day budget must not become a
        // per-second one. No period (never resets) is the longest.
        BoundedLimit(
            name: "budget_duration", property: "budgetDuration",
            changed: { $0.budgetDuration != $1.budgetDuration || $0.maxBudget != $1.maxBudget },
            within: { candidate, bound in
                guard bound.maxBudget != nil, let period = candidate.budgetDuration else { return true }
                guard let boundPeriod = bound.budgetDuration else { return false }
                return nominalSeconds(period) >= nominalSeconds(boundPeriod)
            },
            tightest: { result, bounds in
                let budgeted = bounds.filter { $0.maxBudget != nil }
                guard !budgeted.contains(where: { $0.budgetDuration == nil }) else { return result.budgetDuration = nil }
                result.budgetDuration = budgeted.compactMap(\.budgetDuration).max { nominalSeconds($0) < nominalSeconds($1) }
            },
            copy: { $0.budgetDuration = $1.budgetDuration }),
        // An alert threshold, not a limit: anyone may set one.
        BoundedLimit(
            name: "soft_budget", property: "softBudget", changed: { _, _ in false }, within: { _, _ in true }, tightest: { _, _ in },
            copy: { _, _ in }),
        count("rpm_limit", "rpmLimit", \.rpmLimit),
        count("tpm_limit", "tpmLimit", \.tpmLimit),
        count("rpd_limit", "rpdLimit", \.rpdLimit),
        count("tpd_limit", "tpdLimit", \.tpdLimit),
        count("max_parallel_requests", "maxParallelRequests", \.maxParallelRequests),
        perModel("model_rpm_limit", "modelRPMLimit", \.modelRPMLimit, overall: \.rpmLimit),
        perModel("model_tpm_limit", "modelTPMLimit", \.modelTPMLimit, overall: \.tpmLimit),
        // Each network granted must lie inside one the bound allows; clearing the list (any
        // address) is wider than any list. Inherited: the first level's list that has one.
        // `spend` lets requests in flight overshoot a budget: only who holds a level in `spend`
        // may grant it below that level. Unset follows the gateway's setting, which its operator chose.
        BoundedLimit(
            name: "budget_admission", property: "budgetAdmission", changed: { $0.budgetAdmission != $1.budgetAdmission },
            within: { candidate, bound in candidate.budgetAdmission != .spend || bound.maxBudget == nil || bound.budgetAdmission == .spend },
            tightest: { _, _ in }, copy: { $0.budgetAdmission = $1.budgetAdmission }),
        BoundedLimit(
            name: "allowed_ips", property: "allowedIPs", changed: { $0.allowedIPs != $1.allowedIPs },
            within: { candidate, bound in
                bound.allowedIPs.isEmpty
                    || (!candidate.allowedIPs.isEmpty
                        && candidate.allowedIPs.allSatisfy { granted in bound.allowedIPs.contains { $0.contains(granted) } })
            },
            tightest: { $0.allowedIPs = $1.first { !$0.allowedIPs.isEmpty }?.allowedIPs ?? [] }, copy: { $0.allowedIPs = $1.allowedIPs }),
    ]

    /// The fields of `candidate` beyond any of `bounds`, among those that differ from `old`
    /// (nil: a new object, every field counts).
    public static func violations(of candidate: Limits, within bounds: [Limits], changedFrom old: Limits?) -> [String] {
        fields.filter { field in
            (old.map { field.changed($0, candidate) } ?? true) && bounds.contains { !field.within(candidate, $0) }
        }.map(\.name)
    }

    /// What a new object gets for the fields its creator left out (`given` says which fields the
    /// body set): the tightest of the creator's levels, which is within every one of them.
    public static func inherit(into limits: inout Limits, from bounds: [Limits], given: (String) -> Bool) {
        var tightest = Limits()
        for field in fields { field.tightest(&tightest, bounds) }
        for field in fields where !given(field.name) { field.copy(&limits, tightest) }
    }

    /// Seconds in a `budget_duration`, a month counted as 30 days (for comparing periods only).
    static func nominalSeconds(_ text: String) -> Double {
        guard let period = BudgetPeriod(text) else { return 0 }
        switch period.unit {
        case .seconds: return Double(period.count)
        case .days: return Double(period.count) * 86_400
        case .months: return Double(period.count) * 30 * 86_400
        }
    }

    static func at<T: Comparable>(_ value: T?, most bound: T?) -> Bool {
        guard let bound else { return true }
        guard let value else { return false }
        return value <= bound
    }

    static func count(_ name: String, _ property: String, _ path: any WritableKeyPath<Limits, Int?> & Sendable) -> BoundedLimit {
        BoundedLimit(
            name: name, property: property, changed: { $0[keyPath: path] != $1[keyPath: path] },
            within: { at($0[keyPath: path], most: $1[keyPath: path]) }, tightest: { $0[keyPath: path] = $1.compactMap { $0[keyPath: path] }.min() },
            copy: { $0[keyPath: path] = $1[keyPath: path] })
    }

    /// A per-model limit is within the bound's when, for each model the bound limits, the
    /// candidate's limit for that model (or its overall one) is at most the bound's.
    static func perModel(
        _ name: String, _ property: String, _ path: any WritableKeyPath<Limits, [String: Int]> & Sendable,
        overall: any KeyPath<Limits, Int?> & Sendable
    ) -> BoundedLimit {
        BoundedLimit(
            name: name, property: property, changed: { $0[keyPath: path] != $1[keyPath: path] },
            within: { candidate, bound in
                bound[keyPath: path].allSatisfy { model, limit in
                    at(candidate[keyPath: path][model], most: limit) || at(candidate[keyPath: overall], most: limit)
                }
            },
            tightest: { result, bounds in
                for bound in bounds {
                    result[keyPath: path].merge(bound[keyPath: path], uniquingKeysWith: min)
                }
            },
            copy: { $0[keyPath: path] = $1[keyPath: path] })
    }
}
