public import GatehouseCore

/// Pure routing decision: in which order to try a model's deployments.
public enum DeploymentOrder {
    /// - Parameters:
    ///   - inFlight: requests currently running per deployment id (for least-busy).
    ///   - cooledDown: deployments that failed recently; tried last, not never, so a model whose
    ///     every deployment is cooling down still gets an attempt.
    ///   - rotation: a counter that advances per request (for round-robin).
    public static func order<R: RandomNumberGenerator>(
        _ deployments: [Deployment],
        strategy: RouterSettings.Strategy,
        inFlight: [String: Int],
        cooledDown: Set<String>,
        rotation: Int,
        random: inout R
    ) -> [Deployment] {
        order(deployments, id: \.id, strategy: strategy, inFlight: inFlight, cooledDown: cooledDown, rotation: rotation, random: &random)
    }

    /// The same for anything that names its deployment's id.
    public static func order<Item, R: RandomNumberGenerator>(
        _ deployments: [Item],
        id: (Item) -> String,
        strategy: RouterSettings.Strategy,
        inFlight: [String: Int],
        cooledDown: Set<String>,
        rotation: Int,
        random: inout R
    ) -> [Item] {
        guard deployments.count > 1 else { return deployments }
        let ordered: [Item]
        switch strategy {
        case .simpleShuffle:
            ordered = deployments.shuffled(using: &random)
        case .roundRobin:
            let start = rotation % deployments.count
            ordered = Array(deployments[start...] + deployments[..<start])
        case .leastBusy:
            ordered = deployments.enumerated().sorted { lhs, rhs in
                let (l, r) = (inFlight[id(lhs.element)] ?? 0, inFlight[id(rhs.element)] ?? 0)
                return l != r ? l < r : lhs.offset < rhs.offset
            }.map(\.element)
        }
        return ordered.filter { !cooledDown.contains(id($0)) } + ordered.filter { cooledDown.contains(id($0)) }
    }

    /// The attempts for one request: the model's deployments cycled to `retries + 1` attempts,
    /// then each fallback model's deployments once.
    public static func attempts<Attempt>(primary: [Attempt], retries: Int, fallbacks: [[Attempt]]) -> [Attempt] {
        guard !primary.isEmpty else { return fallbacks.flatMap { $0 } }
        let count = max(retries + 1, 1)
        // A plan of as many attempts as deployments and no fallback is the primary list itself:
        // made again, it was a new array on every request.
        let first = count == primary.count ? primary : (0..<count).map { primary[$0 % primary.count] }
        return fallbacks.isEmpty ? first : first + fallbacks.flatMap { $0 }
    }
}
