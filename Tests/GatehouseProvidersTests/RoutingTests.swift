import GatehouseCore
import GatehouseProviders
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
    }
}

extension Deployment {
    func with(id: String) -> Deployment {
        var copy = self
        copy.id = id
        return copy
    }
}
