import GatehouseCore
import Testing

@testable import GatehouseProviders

/// The headers an upstream request carries: the deployment's credential in its provider's header,
/// Anthropic's version and betas as the client sent them (else the default version), and the
/// deployment's extra headers, in one order whatever the client sent.
@Suite("Upstream request headers")
struct UpstreamHeadersTests {
    private func adapter(_ provider: Deployment.Provider) -> ProviderAdapter {
        var deployment = Deployment(id: "d", modelName: "m", provider: provider, upstreamModel: "up")
        deployment.apiKey = "sk-up"
        deployment.extraHeaders = ["x-b": "2", "x-a": "1"]
        return ProviderAdapter(
            deployment: deployment,
            transport: MockUpstream(model: "m", settings: Deployment(id: "d", modelName: "m", provider: .mock, upstreamModel: "m").mock))
    }

    private func pairs(_ headers: [(String, String)]) -> [String] { headers.map { "\($0.0)=\($0.1)" } }

    @Test func anthropicGetsTheClientsVersionAndBetasOrTheDefault() {
        let adapter = adapter(.anthropic)
        let fixed = ["content-type=application/json", "accept=application/json, text/event-stream", "x-api-key=sk-up"]
        #expect(pairs(adapter.headers()) == fixed + ["anthropic-version=2023-06-01", "x-a=1", "x-b=2"])
        #expect(
            pairs(adapter.headers(anthropic: AnthropicHeaders(version: "2024-01-01"))) == fixed + ["anthropic-version=2024-01-01", "x-a=1", "x-b=2"])
        #expect(
            pairs(adapter.headers(anthropic: AnthropicHeaders(betas: ["b1", "b2"])))
                == fixed + ["anthropic-version=2023-06-01", "anthropic-beta=b1,b2", "x-a=1", "x-b=2"])
        // Asked again without them: the default, not what the last client sent.
        #expect(pairs(adapter.headers()) == fixed + ["anthropic-version=2023-06-01", "x-a=1", "x-b=2"])
    }

    @Test func bothChatEndpointsGoWhereTheirUpstreamTakesChatAndAPatternsMatchHasItsOwnURL() {
        func adapter(_ provider: Deployment.Provider, base: String, version: String? = nil) -> ProviderAdapter {
            var deployment = Deployment(id: "d", modelName: "m", provider: provider, upstreamModel: "up")
            deployment.apiBase = base
            deployment.apiVersion = version
            return ProviderAdapter(
                deployment: deployment,
                transport: MockUpstream(model: "m", settings: Deployment(id: "d", modelName: "m", provider: .mock, upstreamModel: "m").mock))
        }
        let cases: [(ProviderAdapter, String)] = [
            (adapter(.openai, base: "http://u.test/v1/"), "http://u.test/v1/chat/completions"),
            (adapter(.anthropic, base: "http://u.test"), "http://u.test/v1/messages"),
            (adapter(.anthropic, base: "http://u.test/v1"), "http://u.test/v1/messages"),
            (
                adapter(.azure, base: "http://u.test", version: "2024-06-01"),
                "http://u.test/openai/deployments/up/chat/completions?api-version=2024-06-01"
            ),
        ]
        for (adapter, url) in cases {
            #expect(adapter.url(for: .chatCompletions) == url && adapter.url(for: .messages) == url)
            #expect(adapter.url(for: .chatCompletions) == ProviderAdapter.url(for: .chatCompletions, of: adapter.deployment))
        }
        #expect(cases[0].0.url(for: .embeddings) == "http://u.test/v1/embeddings")
        // Azure names the upstream model in the path: a pattern's match asks for its own.
        #expect(
            cases[3].0.routed(to: "up-2").url(for: .chatCompletions)
                == "http://u.test/openai/deployments/up-2/chat/completions?api-version=2024-06-01")
    }

    @Test func openAIAndAzureIgnoreAnthropicsHeaders() {
        let sent = AnthropicHeaders(version: "2024-01-01", betas: ["b1"])
        let fixed = ["content-type=application/json", "accept=application/json, text/event-stream"]
        #expect(pairs(adapter(.openai).headers(anthropic: sent)) == fixed + ["authorization=Bearer sk-up", "x-a=1", "x-b=2"])
        #expect(pairs(adapter(.azure).headers(anthropic: sent)) == fixed + ["api-key=sk-up", "x-a=1", "x-b=2"])
    }
}
