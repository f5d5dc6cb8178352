import Foundation
public import GatehouseCore

/// `GET /health`'s active checks, bounded three ways: results are kept for `cacheSeconds`, one
/// run at a time serves every caller who asks meanwhile, and a run checks at most
/// `concurrency` deployments at once. However often `/health` is called, each upstream sees at
/// most one small request per deployment per `cacheSeconds`.
public actor DeploymentHealthChecks {
    public struct Report: Sendable {
        public let outcomes: [DeploymentProbe.Outcome]
        /// Pattern deployments without a `model_info.health_check_model`: nothing to ask for.
        public let skipped: [Deployment]
        public let checkedAt: Date
    }

    let router: ModelRouter
    let cacheSeconds: Double
    let concurrency: Int
    let now: @Sendable () -> Date
    private var last: Report?
    private var running: Task<Report, Never>?

    public init(router: ModelRouter, cacheSeconds: Double = 60, concurrency: Int = 4, now: @escaping @Sendable () -> Date = Date.init) {
        self.router = router
        self.cacheSeconds = cacheSeconds
        self.concurrency = max(1, concurrency)
        self.now = now
    }

    /// The latest report, run anew when the cached one is older than `cacheSeconds`.
    public func report() async -> Report {
        if let last, now().timeIntervalSince(last.checkedAt) < cacheSeconds { return last }
        if let running { return await running.value }
        let task = Task { [router, concurrency, now] in await Self.run(router: router, concurrency: concurrency, now: now) }
        running = task
        let report = await task.value
        running = nil
        last = report
        return report
    }

    static func run(router: ModelRouter, concurrency: Int, now: @Sendable () -> Date) async -> Report {
        var probes: [ProviderAdapter] = []
        var skipped: [Deployment] = []
        for deployment in router.allDeployments {
            if let adapter = router.probeAdapter(id: deployment.id) { probes.append(adapter) } else { skipped.append(deployment) }
        }
        var outcomes: [DeploymentProbe.Outcome] = []
        await withTaskGroup(of: DeploymentProbe.Outcome.self) { group in
            var next = probes.makeIterator()
            for _ in 0..<concurrency {
                guard let adapter = next.next() else { break }
                group.addTask { await DeploymentProbe.check(adapter) }
            }
            while let outcome = await group.next() {
                outcomes.append(outcome)
                if let adapter = next.next() { group.addTask { await DeploymentProbe.check(adapter) } }
            }
        }
        return Report(outcomes: outcomes.sorted { $0.deployment.id < $1.deployment.id }, skipped: skipped, checkedAt: now())
    }
}
