import GatehouseCore
import GatehouseProviders
import Synchronization
import Testing

@Suite("Routing decisions")
struct RoutingTests {
    let deployments = (0..<3).map { Deployment.mock(modelName: "m").with(id: "d\($0)") }

    @Test func roundRobinRotates() {
        var random = SystemRandomNumberGenerator()
        let orders = (0..<3).map { rotation in
            DeploymentOrder.order(deployments, strategy: .roundRobin, inFlight: [:], cooledDown: [], rotation: rotation, random: &random).map(\.id)
        }
        #expect(orders == [["d0", "d1", "d2"], ["d1", "d2", "d0"], ["d2", "d0", "d1"]])
    }

    @Test func leastBusyPrefersIdleDeployments() {
        var random = SystemRandomNumberGenerator()
        let order = DeploymentOrder.order(
            deployments, strategy: .leastBusy, inFlight: ["d0": 4, "d1": 0, "d2": 1], cooledDown: [], rotation: 0, random: &random)
        #expect(order.map(\.id) == ["d1", "d2", "d0"])
    }

    @Test func cooledDownDeploymentsGoLastButStayAvailable() {
        var random = SystemRandomNumberGenerator()
        let order = DeploymentOrder.order(deployments, strategy: .roundRobin, inFlight: [:], cooledDown: ["d0", "d1"], rotation: 0, random: &random)
        #expect(order.map(\.id) == ["d2", "d0", "d1"])
    }

    @Test func shuffleSpreadsLoad() {
        var random = SystemRandomNumberGenerator()
        var firsts: Set<String> = []
        for _ in 0..<200 {
            firsts.insert(
                DeploymentOrder.order(deployments, strategy: .simpleShuffle, inFlight: [:], cooledDown: [], rotation: 0, random: &random)[0].id)
        }
        #expect(firsts == ["d0", "d1", "d2"])
    }

    @Test func attemptsCycleThePrimaryThenTryFallbacks() {
        let fallback = Deployment.mock(modelName: "f").with(id: "f0")
        let attempts = DeploymentOrder.attempts(primary: Array(deployments.prefix(2)), retries: 2, fallbacks: [[fallback]])
        #expect(attempts.map(\.id) == ["d0", "d1", "d0", "f0"])
        // As many attempts as deployments, or fewer, or more; with and without fallbacks.
        let three = Array(deployments.prefix(3))
        #expect(DeploymentOrder.attempts(primary: three, retries: 2, fallbacks: []).map(\.id) == ["d0", "d1", "d2"])
        #expect(DeploymentOrder.attempts(primary: three, retries: 0, fallbacks: []).map(\.id) == ["d0"])
        #expect(DeploymentOrder.attempts(primary: three, retries: -1, fallbacks: []).map(\.id) == ["d0"])
        #expect(DeploymentOrder.attempts(primary: [three[1]], retries: 2, fallbacks: []).map(\.id) == ["d1", "d1", "d1"])
        #expect(DeploymentOrder.attempts(primary: [three[1]], retries: 0, fallbacks: [[fallback], []]).map(\.id) == ["d1", "f0"])
        #expect(DeploymentOrder.attempts(primary: [], retries: 2, fallbacks: [[fallback]]).map(\.id) == ["f0"])
    }

    /// A deployment tried again waits (the backoff, doubled each attempt); another one is tried
    /// at once. Every attempt here fails: one deployment, the other, then the first again, the
    /// only attempt that waits.
    @Test func onlyADeploymentTriedAgainWaits() async {
        let waits = Mutex<[Duration]>([])
        var settings = RouterSettings()
        settings.strategy = .roundRobin
        settings.numRetries = 2
        settings.retryBackoff = 0.05
        settings.allowedFails = 100
        let adapters = deployments.prefix(2).map { ProviderAdapter(deployment: $0, transport: MockUpstream(model: "m", settings: $0.mock)) }
        let router = ModelRouter(adapters: adapters, settings: settings, sleep: { wait in waits.withLock { $0.append(wait) } })
        let tried = Mutex<[String]>([])
        await #expect(throws: GatewayError.self) {
            try await router.run(model: "m") { adapter -> Int in
                tried.withLock { $0.append(adapter.deployment.id) }
                throw AttemptFailure(.status(503), message: "down")
            }
        }
        let order = tried.withLock { $0 }
        #expect(order.count == 3 && order[0] != order[1] && order[2] == order[0])
        #expect(waits.withLock { $0 } == [.milliseconds(200)])
    }
}

extension Deployment {
    func with(id: String) -> Deployment {
        var copy = self
        copy.id = id
        return copy
    }
}
