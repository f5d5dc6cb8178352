import Foundation
import GatehouseCore
import Testing

/// A LiteLLM user's configuration starts: every key LiteLLM's own proxy configuration uses is
/// implemented or named in a warning, never fatal.
@Suite("LiteLLM configurations")
struct LiteLLMConfigTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../tests/compat/fixtures/litellm_proxy_server_config.yaml")
    let environment = [
        "AZURE_API_KEY": "azure-test-key", "OPENAI_API_KEY": "openai-test-key", "ANTHROPIC_API_KEY": "anthropic-test-key",
        "GROQ_API_KEY": "groq-test-key", "LITELLM_TEST_UPSTREAM": "http://127.0.0.1:9/v1",
    ]

    func load(_ yaml: String) throws -> ConfigLoader.Result {
        try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: environment)
    }

    @Test func aBaseModelPricesADeploymentWhoseNameSaysNothing() throws {
        let result = try load(
            """
            model_list:
              - model_name: team-gpt
                litellm_params: {model: azure/prod-deployment-7, api_base: "https://x.openai.azure.com", api_key: k, api_version: "2024-10-21"}
                model_info: {base_model: azure/gpt-4o, description: The team's model}
            """)
        let deployment = try #require(result.config.models.first)
        #expect(deployment.baseModel == "azure/gpt-4o" && deployment.info["description"] == "The team's model")
        #expect(ModelPrices.price(for: deployment) == ModelPrices.price(forModel: "gpt-4o") && ModelPrices.price(for: deployment) != nil)
        #expect(result.warnings.isEmpty)
    }

    @Test func liteLLMsOwnProxyConfigurationLoads() throws {
        let yaml = try String(contentsOf: Self.fixture, encoding: .utf8)
        let result = try load(yaml)
        let names = Set(result.config.models.map(\.modelName))
        #expect(names.isSuperset(of: ["fake-openai-endpoint", "fake-openai-endpoint-3", "bad-model", "*", "anthropic/*", "groq/*", "gpt-4"]))
        // A provider Gatehouse does not speak is skipped, and said so; the rest is served.
        #expect(!names.contains("sagemaker-completion-model"))
        #expect(result.warnings.contains { $0.contains("provider `sagemaker` is not supported") })
        #expect(result.warnings.contains { $0.contains("litellm_params.mock_timeout") })
        #expect(result.warnings.contains { $0.contains("general_settings.master_key") && $0.contains("allow_weak_master_key") })
        #expect(result.config.router.numRetries == 5)
        #expect(result.config.router.aliases["my-special-fake-model-alias-name"] == .init(model: "fake-openai-endpoint-3", hidden: false))
        let bad = try #require(result.config.models.first { $0.modelName == "bad-model" })
        #expect(bad.timeout == 60 && bad.info["health_check_timeout"] == 1)
        let wildcard = try #require(result.config.models.first { $0.modelName == "*" })
        #expect(wildcard.provider == .openai && wildcard.upstreamModel == "*" && wildcard.isWildcard)
    }

    @Test func theWeakMasterKeyStopsStartUpUnlessAllowed() throws {
        let yaml = try String(contentsOf: Self.fixture, encoding: .utf8).replacingOccurrences(
            of: "gatehouse_settings:\n  allow_weak_master_key: true", with: "")
        #expect {
            try load(yaml)
        } throws: { error in
            let text = "\(error)"
            return text.contains("master_key") && text.contains("allow_weak_master_key")
        }
    }

    @Test func requestParametersAndRetriesBelongToTheDeployment() throws {
        let result = try load(
            """
            model_list:
              - model_name: thinker
                litellm_params:
                  model: openai/o4-mini
                  reasoning_effort: high
                  temperature: 0.2
                  max_tokens: 512
                  stop: ["END"]
                  response_format: {type: json_object}
                  num_retries: 4
                  seed: "42"
                model_info:
                  tier: gold
                  acess_groups: [beta]
            """)
        let d = try #require(result.config.models.first)
        #expect(d.numRetries == 4)
        #expect(d.requestDefaults["reasoning_effort"] == "high")
        #expect(d.requestDefaults["temperature"] == 0.2)
        #expect(d.requestDefaults["max_tokens"] == 512)
        #expect(d.requestDefaults["stop"] == ["END"])
        #expect(d.requestDefaults["response_format"] == ["type": "json_object"])
        // Quoted in YAML, a string it stays.
        #expect(d.requestDefaults["seed"] == "42")
        // model_info is the operator's metadata; a near miss of a key Gatehouse reads is named.
        #expect(d.info["tier"] == "gold" && d.accessGroups.isEmpty)
        #expect(result.warnings.contains { $0.contains("model_info.acess_groups") && $0.contains("access_groups") })
    }

    @Test func aDefaultLengthIsCheckedAsAClientsWouldBe() {
        #expect(throws: ConfigError.self) {
            try load(
                """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o, max_tokens: 0}
                """)
        }
    }

    @Test func anUnknownProviderIsStillAnError() {
        #expect {
            try load(
                """
                model_list:
                  - model_name: m
                    litellm_params: {model: opnai/gpt-4o}
                """)
        } throws: { "\($0)".contains("did you mean `openai`") }
    }

    @Test func anAliasOrFallbackMustReachAModel() throws {
        #expect(throws: ConfigError.self) {
            try load(
                """
                model_list:
                  - model_name: a
                    litellm_params: {model: openai/gpt-4o}
                router_settings:
                  model_group_alias: {b: nowhere}
                """)
        }
        // A name a pattern serves is a model too.
        let result = try load(
            """
            model_list:
              - model_name: "openai/*"
                litellm_params: {model: "openai/*"}
            router_settings:
              model_group_alias: {fast: {model: openai/gpt-4o-mini, hidden: true}}
              fallbacks: [{"openai/gpt-4o": ["openai/gpt-4o-mini"]}]
            """)
        #expect(result.config.router.aliases["fast"] == .init(model: "openai/gpt-4o-mini", hidden: true))
    }
}
