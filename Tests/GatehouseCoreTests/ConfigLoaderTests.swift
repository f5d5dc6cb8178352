import Foundation
import GatehouseCore
import Testing

@Suite("Config loading")
struct ConfigLoaderTests {
    let strongKey = "sk-Hq3vT9pXw2LmZr8Yc4Nd7Bf6Gk1Js5Ve0Ua"

    func load(_ yaml: String, env: [String: String] = [:]) throws -> ConfigLoader.Result {
        try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: env)
    }

    @Test func readsALiteLLMProxyConfig() throws {
        let result = try load(
            """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_key: os.environ/OPENAI_API_KEY
                  rpm: 60
                  input_cost_per_token: 0.0000025
              - model_name: gpt-4o
                litellm_params:
                  model: azure/my-gpt4o
                  api_base: https://example.openai.azure.com
                  api_version: "2024-06-01"
                  api_key: os.environ/AZURE_KEY
                model_info:
                  id: azure-east
                  access_groups: [beta]
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-sonnet-4-5
                  api_key: os.environ/ANTHROPIC_API_KEY
              - model_name: local
                litellm_params:
                  model: hosted_vllm/llama
                  api_base: http://127.0.0.1:8000/v1
            general_settings:
              master_key: os.environ/MASTER
            router_settings:
              routing_strategy: least-busy
              num_retries: 3
              fallbacks: [{"gpt-4o": ["claude"]}]
            """,
            env: ["OPENAI_API_KEY": "sk-openai", "AZURE_KEY": "az", "ANTHROPIC_API_KEY": "ant", "MASTER": strongKey]
        )
        let config = result.config
        // Only the models with an unpriced deployment are warned about (the Azure one and the local one).
        #expect(result.warnings.count == 2 && result.warnings.allSatisfy { $0.contains("has no price") })
        #expect(result.warnings.contains { $0.contains("`gpt-4o`") } && result.warnings.contains { $0.contains("`local`") })
        #expect(config.masterKey == strongKey)
        #expect(config.models.map(\.provider) == [.openai, .azure, .anthropic, .openai])
        #expect(config.models[0].apiKey == "sk-openai")
        #expect(config.models[0].apiBase == "https://api.openai.com/v1")
        #expect(config.models[0].rpm == 60)
        #expect(config.models[0].inputCostPerToken == 0.0000025)
        #expect(config.models[1].id == "azure-east")
        #expect(config.models[1].accessGroups == ["beta"])
        #expect(config.models[2].apiBase == "https://api.anthropic.com")
        #expect(config.models[3].upstreamModel == "llama")
        #expect(config.router.strategy == .leastBusy)
        #expect(config.router.numRetries == 3)
        #expect(config.router.fallbacks == ["gpt-4o": ["claude"]])
    }

    @Test func readsMeteringSettings() throws {
        let config = try load(
            """
            gatehouse_settings:
              time_zone: Europe/Berlin
              default_max_tokens: 1024
              alert_webhook_url: https://alerts.example.com/gatehouse
              spend_flush_interval_seconds: 2
              store_timeout_seconds: 3
              rate_limit_sync_seconds: 0.5
              rate_limit_store_policy: closed
              end_user_limits: {rpm_limit: 30, max_budget: 5, budget_duration: 1mo}
            """
        ).config.server.metering
        #expect(config.timeZone == "Europe/Berlin" && config.defaultMaxTokens == 1024)
        #expect(config.alertWebhookURL == "https://alerts.example.com/gatehouse")
        #expect(config.spendFlushIntervalSeconds == 2 && config.storeTimeoutSeconds == 3 && config.rateLimitSyncSeconds == 0.5)
        #expect(config.rateLimitStorePolicy == .closed)
        #expect(config.endUserLimits == Limits(maxBudget: 5, budgetDuration: "1mo", rpmLimit: 30))
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  time_zone: Mars/Olympus\n") }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  end_user_limits: {budget_duration: 1x}\n") }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  rate_limit_store_policy: maybe\n") }
    }

    @Test func readsObservabilityAndDefenceSettings() throws {
        let config = try load(
            """
            general_settings:
              allowed_ips: [192.168.0.0/16]
            gatehouse_settings:
              audit_streams: [stdout, /var/log/gatehouse/audit.jsonl, https://siem.example.com/in]
              audit_flush_interval_seconds: 2
              access_log: stderr
              log_format: json
              log_destination: /var/log/gatehouse/gatehouse.log
              metrics: false
              metrics_key_aliases: [search-prod]
              allowed_ips: [10.0.0.0/8]
              management_allowed_ips: ["fd00::/8"]
              lockout_failures: 3
              lockout_address_failures: 30
              lockout_window_seconds: 600
              lockout_seconds: 10
              lockout_max_seconds: 100
            """
        ).config.server
        #expect(config.audit.streams == ["stdout", "/var/log/gatehouse/audit.jsonl", "https://siem.example.com/in"])
        #expect(config.audit.flushIntervalSeconds == 2 && config.observability.accessLog == "stderr" && config.observability.logFormat == .json)
        #expect(config.observability.logDestination == "/var/log/gatehouse/gatehouse.log")
        #expect(!config.observability.metricsEnabled && config.observability.metricsKeyAliases == ["search-prod"])
        #expect(config.network.allowedIPs.map(\.description) == ["10.0.0.0/8", "192.168.0.0/16"])
        #expect(config.network.managementAllowedIPs.map(\.description) == ["fd00::/8"])
        #expect(config.lockout.failures == 3 && config.lockout.addressFailures == 30 && config.lockout.windowSeconds == 600)
        #expect(config.lockout.firstBlockSeconds == 10 && config.lockout.longestBlockSeconds == 100)
        for bad in [
            "audit_streams: [relative/file]", "access_log: somewhere", "log_destination: syslog", "log_format: xml", "allowed_ips: [10.0.0.0/33]",
            "management_allowed_ips: [nowhere]", "lockout_failures: 0",
        ] {
            #expect(throws: ConfigError.self, "\(bad)") { try load("gatehouse_settings:\n  \(bad)\n") }
        }
        #expect(try load("gatehouse_settings:\n  access_log: \"off\"\n").config.server.observability.accessLog == nil)
    }

    @Test func readsTLSSettings() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-config-\(UUID().uuidString).pem").path
        try "not checked here".write(toFile: file, atomically: true, encoding: .utf8)
        let config = try load(
            """
            gatehouse_settings:
              tls_cert_file: \(file)
              tls_key_file: \(file)
              tls_client_auth: optional
              tls_client_ca_file: \(file)
              tls_client_crl_file: \(file)
              tls_client_verify_depth: 2
              tls_client_identity: san_uri
              management_listener:
                host: 0.0.0.0
                port: 4001
                tls_cert_file: \(file)
                tls_key_file: \(file)
                tls_client_auth: required
                tls_client_ca_file: \(file)
              trusted_proxies: [10.0.0.0/8, "fd00::/8"]
              certificate_routes:
                management_routes: certificate_and_key
                /v1/chat/completions: certificate
            """
        ).config.server
        #expect(
            config.listener.tls?.clientAuth == .optional && config.listener.tls?.clientCAFile == file
                && config.identity.clientCertificateIdentity == .sanURI)
        #expect(config.listener.tls?.clientCRLFile == file && config.listener.tls?.clientVerifyDepth == 2)
        let management = try #require(config.listener.management)
        #expect(management.host == "0.0.0.0" && management.port == 4001 && management.tls?.clientAuth == .required)
        #expect(management.tls?.clientVerifyDepth == 3)
        #expect(config.network.trustedProxies.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(
            config.identity.certificateRoutes == [
                .init(route: "management_routes", policy: .certificateAndKey), .init(route: "/v1/chat/completions", policy: .certificate),
            ])
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  tls_client_auth: required\n") }
        #expect(throws: ConfigError.self) {
            try load("gatehouse_settings:\n  tls_cert_file: \(file)\n  tls_key_file: \(file)\n  tls_client_auth: required\n")
        }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  trusted_proxies: [example.com]\n") }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  management_listener: {host: 127.0.0.1}\n") }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  management_listener: {port: 4001, tls: on}\n") }
        #expect(throws: ConfigError.self) { try load("gatehouse_settings:\n  management_listener: {port: 4000}\n") }
        #expect(throws: ConfigError.self) {
            try load("gatehouse_settings:\n  tls_cert_file: \(file)\n  tls_key_file: \(file)\n  tls_client_verify_depth: 0\n")
        }
    }

    @Test func unknownKeyFailsNamingPathLineAndClosestKey() throws {
        let error = try #require(throws: ConfigError.self) {
            try load(
                """
                model_list:
                  - model_name: m
                    litellm_params:
                      model: openai/gpt-4o
                      api_bsae: http://x
                """
            )
        }
        #expect(error.path == "model_list[0].litellm_params.api_bsae")
        #expect(error.line == 5)
        #expect(error.description.contains("did you mean `api_base`?"))
        #expect(error.description.hasPrefix("test.yaml:5"))
    }

    @Test func unimplementedLiteLLMSettingsWarnOncePerKey() throws {
        let result = try load(
            """
            litellm_settings:
              drop_params: true
              success_callback: ["langfuse"]
            general_settings:
              store_model_in_db: true
              database_url: postgres://u@127.0.0.1/db
            """
        )
        #expect(result.warnings.count == 3)
        #expect(result.warnings.contains { $0.contains("litellm_settings.drop_params") })
        #expect(result.warnings.contains { $0.contains("general_settings.store_model_in_db") })
        #expect(result.config.databaseURL == "postgres://u@127.0.0.1/db")
    }

    @Test func missingEnvironmentVariableNamesTheKey() throws {
        let error = try #require(throws: ConfigError.self) {
            try load("general_settings:\n  master_key: os.environ/NOPE\n")
        }
        #expect(error.path == "general_settings.master_key")
        #expect(error.message.contains("NOPE"))
    }

    @Test func environmentVariablesSectionFeedsReferences() throws {
        let result = try load(
            """
            environment_variables:
              MASTER: \(strongKey)
            general_settings:
              master_key: os.environ/MASTER
            """
        )
        #expect(result.config.masterKey == strongKey)
    }

    @Test(arguments: ["sk-1234", "sk-changeme-changeme-changeme-changeme", "sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
    func weakMasterKeysRefuseToStart(key: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load("general_settings:\n  master_key: \(key)\n")
        }
        #expect(error.path == "general_settings.master_key")
    }

    @Test func azureNeedsAnAPIVersionAndABase() throws {
        let noVersion = try #require(throws: ConfigError.self) {
            try load("model_list:\n  - model_name: a\n    litellm_params:\n      model: azure/dep\n      api_base: https://x\n")
        }
        #expect(noVersion.path.hasSuffix("api_version"))
        let noBase = try #require(throws: ConfigError.self) {
            try load("model_list:\n  - model_name: a\n    litellm_params:\n      model: hosted_vllm/x\n")
        }
        #expect(noBase.path.hasSuffix("api_base"))
    }

    @Test func unknownProviderSuggestsTheClosest() throws {
        let error = try #require(throws: ConfigError.self) {
            try load("model_list:\n  - model_name: a\n    litellm_params:\n      model: antropic/claude\n")
        }
        #expect(error.message.contains("did you mean `anthropic`?"))
    }

    @Test func fallbackToAnUnknownModelFails() throws {
        let error = try #require(throws: ConfigError.self) {
            try load(
                """
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                router_settings:
                  fallbacks: [{"a": ["b"]}]
                """
            )
        }
        #expect(error.message.contains("`b`"))
    }

    @Test func serverSettingsAreRangeChecked() throws {
        let result = try load("gatehouse_settings:\n  port: 8080\n  max_request_body_bytes: 1048576\n  request_timeout: 30\n")
        #expect(result.config.server.listener.port == 8080)
        #expect(result.config.server.listener.maxRequestBodyBytes == 1_048_576)
        #expect(result.config.server.upstream.requestTimeout == 30)
        let error = try #require(throws: ConfigError.self) { try load("gatehouse_settings:\n  port: 70000\n") }
        #expect(error.path == "gatehouse_settings.port")
        let typo = try #require(throws: ConfigError.self) { try load("gatehouse_settings:\n  prot: 1\n") }
        #expect(typo.message.contains("did you mean `port`?"))
    }

    @Test func mockSettingsAreRead() throws {
        let result = try load(
            """
            model_list:
              - model_name: m
                litellm_params: {model: mock/m, mock_response: hi, mock_latency_ms: 5, mock_stream_chunks: 2}
            """
        )
        let mock = result.config.models[0].mock
        #expect(mock.response == "hi")
        #expect(mock.latencyMs == 5)
        #expect(mock.streamChunks == 2)
    }
}
