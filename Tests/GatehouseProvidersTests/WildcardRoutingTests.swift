import GatehouseCore
import GatehouseProviders
import Synchronization
import Testing

@Suite("Patterns, aliases and per-deployment retries in the router")
struct WildcardRoutingTests {
    func deployment(_ name: String, _ upstream: String, provider: Deployment.Provider = .openai, id: String) -> Deployment {
        var deployment = Deployment(id: id, modelName: name, provider: provider, upstreamModel: upstream)
        deployment.apiBase = provider == .anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1"
        return deployment
    }

    func router(_ deployments: [Deployment], settings: RouterSettings = RouterSettings()) -> ModelRouter {
        ModelRouter(
            adapters: deployments.map { ProviderAdapter(deployment: $0, transport: MockUpstream(model: $0.modelName, settings: $0.mock)) },
            settings: settings, sleep: { _ in })
    }

    var standard: [Deployment] {
        [
            deployment("gpt-4o", "gpt-4o-2024-08-06", id: "exact"),
            deployment("*", "*", id: "any"),
            deployment("anthropic/*", "*", provider: .anthropic, id: "anthropic"),
            deployment("anthropic/claude-3*", "claude-3*", provider: .anthropic, id: "claude3"),
        ]
    }

    @Test func exactNamesComeFirstThenTheMostSpecificPattern() {
        let router = router(standard)
        #expect(router.deployments(of: "gpt-4o").map(\.id) == ["exact"])
        #expect(router.deployments(of: "gpt-4o").map(\.upstreamModel) == ["gpt-4o-2024-08-06"])
        #expect(router.deployments(of: "o4-mini").map(\.upstreamModel) == ["o4-mini"])
        #expect(router.group(of: "o4-mini") == "*")
        #expect(router.deployments(of: "anthropic/claude-sonnet-4-0").map(\.upstreamModel) == ["claude-sonnet-4-0"])
        #expect(router.deployments(of: "anthropic/claude-3-haiku").map(\.id) == ["claude3"])
        #expect(router.deployments(of: "anthropic/claude-3-haiku").map(\.upstreamModel) == ["claude-3-haiku"])
        #expect(router.patterns == ["anthropic/claude-3*", "anthropic/*", "*"])
        // A pattern is no model of its own in the lists.
        #expect(router.modelNames == ["gpt-4o"])
    }

    @Test func theListingNamesWhatPatternsReachNeverAStar() {
        let listed = router(standard).listedNames
        #expect(!listed.contains { $0.contains("*") })
        #expect(listed.first == "gpt-4o")
        #expect(listed.contains("o4-mini") && listed.contains("anthropic/claude-sonnet-4-0") && listed.contains("anthropic/claude-3-haiku-20240307"))
        #expect(Set(listed).count == listed.count)
        // What another host serves under `openai/*` is not known: nothing is made up for it.
        var vllm = deployment("vllm/*", "*", id: "vllm")
        vllm.apiBase = "http://127.0.0.1:8000/v1"
        #expect(router([vllm]).listedNames.isEmpty)
        #expect(router([vllm]).hasModel("vllm/llama-3"))
    }

    @Test func anAliasServesItsModelAndAHiddenOneIsNotListed() {
        var settings = RouterSettings()
        settings.aliases = ["fast": .init(model: "gpt-4o", hidden: false), "secret": .init(model: "o4-mini", hidden: true)]
        let router = router(standard, settings: settings)
        #expect(router.deployments(of: "fast").map(\.id) == ["exact"])
        #expect(router.deployments(of: "secret").map(\.upstreamModel) == ["o4-mini"])
        #expect(router.listedNames.contains("fast") && !router.listedNames.contains("secret"))
    }

    @Test func aDeploymentsOwnRetriesReplaceTheRouters() async throws {
        var flaky = deployment("flaky", "flaky", id: "f")
        flaky.numRetries = 4
        var settings = RouterSettings()
        settings.numRetries = 1
        let router = router([flaky, deployment("steady", "steady", id: "s")], settings: settings)
        for (model, expected) in [("flaky", 5), ("steady", 2)] {
            let attempts = Counter()
            await #expect(throws: GatewayError.self) {
                try await router.run(model: model) { _ -> Int in
                    attempts.increment()
                    throw AttemptFailure(.status(503), message: "down")
                }
            }
            #expect(attempts.value == expected)
        }
    }

    @Test func aFallbackThroughTheSamePatternAsksForItsOwnModel() async throws {
        var settings = RouterSettings()
        settings.fallbacks = ["gpt-4.1": ["o4-mini"]]
        settings.numRetries = 0
        let router = router([deployment("*", "*", id: "any")], settings: settings)
        let asked = Recorder()
        _ = try? await router.run(model: "gpt-4.1") { adapter -> Int in
            asked.append(adapter.deployment.upstreamModel)
            throw AttemptFailure(.status(503), message: "down")
        }
        #expect(asked.values == ["gpt-4.1", "o4-mini"])
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

final class Recorder: Sendable {
    private let recorded = Mutex<[String]>([])
    func append(_ value: String) { recorded.withLock { $0.append(value) } }
    var values: [String] { recorded.withLock { $0 } }
}
