import GatehouseCore
import Testing

@testable import GatehouseServer

/// The model request series, found by one lookup: a configured name under its own label, any
/// other under `other`, each status counted apart, and a reload's names taking effect at once.
@Suite("Model request metrics by label")
struct GatewayMetricsLabelTests {
    func exposition(_ metrics: GatewayMetrics) -> String { String(decoding: metrics.exposition(), as: UTF8.self) }

    func count(_ text: String, _ line: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func modelsAreCountedByLabelAndStatus() {
        let metrics = GatewayMetrics(models: ["gpt"], keyAliases: [])
        for _ in 0..<3 { metrics.modelRequest(model: "gpt", status: 200, promptTokens: 2, completionTokens: 1, cost: .zero, keyAlias: nil) }
        metrics.modelRequest(model: "gpt", status: 502, promptTokens: 0, completionTokens: 0, cost: .zero, keyAlias: nil)
        metrics.modelRequest(model: "client-made-up", status: 200, promptTokens: 1, completionTokens: 0, cost: .zero, keyAlias: nil)
        metrics.modelRequest(model: "another-made-up", status: 502, promptTokens: 0, completionTokens: 0, cost: .zero, keyAlias: nil)
        metrics.upstream(model: "gpt", upstream: .milliseconds(1), overhead: .microseconds(10))
        metrics.upstream(model: "client-made-up", upstream: .milliseconds(1), overhead: .microseconds(10))
        let text = exposition(metrics)
        #expect(count(text, #"gatehouse_model_requests_total{model="gpt",status="200"}"#) == 3)
        #expect(count(text, #"gatehouse_model_requests_total{model="gpt",status="502"}"#) == 1)
        #expect(count(text, #"gatehouse_model_requests_total{model="other",status="200"}"#) == 1)
        #expect(count(text, #"gatehouse_model_requests_total{model="other",status="502"}"#) == 1)
        #expect(count(text, #"gatehouse_tokens_total{model="gpt",type="prompt"}"#) == 6)
        #expect(count(text, #"gatehouse_upstream_duration_seconds_count{model="other"}"#) == 1)
        #expect(!text.contains("made-up"))
    }

    @Test func aReloadedModelListRelabelsAtOnce() {
        let metrics = GatewayMetrics(models: ["old"], keyAliases: [])
        metrics.modelRequest(model: "old", status: 200, promptTokens: 0, completionTokens: 0, cost: .zero, keyAlias: nil)
        metrics.label(models: ["new"])
        metrics.modelRequest(model: "old", status: 200, promptTokens: 0, completionTokens: 0, cost: .zero, keyAlias: nil)
        metrics.modelRequest(model: "new", status: 200, promptTokens: 0, completionTokens: 0, cost: .zero, keyAlias: nil)
        let text = exposition(metrics)
        #expect(count(text, #"gatehouse_model_requests_total{model="old",status="200"}"#) == 1)
        #expect(count(text, #"gatehouse_model_requests_total{model="other",status="200"}"#) == 1)
        #expect(count(text, #"gatehouse_model_requests_total{model="new",status="200"}"#) == 1)
    }

    @Test func authenticationSuccessesAndFailuresAreCountedApart() {
        let metrics = GatewayMetrics(models: [], keyAliases: [])
        for _ in 0..<2 { metrics.authenticated(.apiKey) }
        metrics.authenticated(.jwt)
        metrics.authenticationFailed(.apiKey, reason: "invalid")
        let attempts = metrics.authenticationAttempts()
        #expect(attempts.contains(.init(method: "api_key", outcome: "success", reason: "none", count: 2)))
        #expect(attempts.contains(.init(method: "jwt", outcome: "success", reason: "none", count: 1)))
        #expect(attempts.contains(.init(method: "api_key", outcome: "failure", reason: "invalid", count: 1)))
        #expect(attempts.count == 3)
    }
}
