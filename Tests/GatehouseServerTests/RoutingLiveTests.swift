import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Retries, fallbacks and timeouts")
struct RoutingLiveTests {
    func config(_ deployments: [Deployment], retries: Int = 2, fallbacks: [String: [String]] = [:]) -> GatehouseConfig {
        var config = GatehouseConfig(models: deployments)
        config.router.strategy = .roundRobin
        config.router.numRetries = retries
        config.router.retryBackoff = 0.01
        config.router.fallbacks = fallbacks
        return config
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func a5xxIsRetriedOnAnotherDeployment(client: UpstreamSettings.Client) async throws {
        let failing = RecordingUpstream { _, _ in RecordingUpstream.json(["error": ["message": "boom"]], status: .internalServerError) }
        let healthy = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("ok")) }
        try await failing.run { badPort in
            try await healthy.run { goodPort in
                let deployments = [deployment("gpt", port: badPort), deployment("gpt", port: goodPort)]
                try await withGatehouse(config(deployments), client: client) { client, _ in
                    for _ in 0..<4 {
                        let response = try await client.post("/v1/chat/completions", chat("gpt"))
                        #expect(response.status == .ok)
                    }
                    #expect(healthy.requests.count == 4)
                    // Round robin starts on the failing one for half the requests; after `allowed_fails` it cools down.
                    #expect(failing.requests.count >= 1 && failing.requests.count <= 3)
                }
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func clientErrorsAreReturnedAsIsWithoutRetry(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in
            RecordingUpstream.json(
                ["error": ["message": "max_tokens is too large", "type": "invalid_request_error", "param": "max_tokens"]], status: .badRequest)
        }
        try await upstream.run { port in
            try await withGatehouse(config([deployment("gpt", port: port)]), client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .badRequest)
                #expect(response.json?["error"]?["message"] == "max_tokens is too large")
                #expect(response.json?["error"]?["param"] == "max_tokens")
                #expect(upstream.requests.count == 1)
            }
        }
    }

    @Test func anUpstreamEchoingTheDeploymentKeyHasItRedacted() async throws {
        let upstream = RecordingUpstream { _, _ in
            RecordingUpstream.json(
                ["error": ["message": .string("Incorrect API key provided: \(TestKeys.upstream)."), "type": "invalid_request_error"]],
                status: .unauthorized)
        }
        try await upstream.run { port in
            try await withGatehouse(config([deployment("gpt", port: port)])) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .unauthorized)
                #expect(!response.text.contains(TestKeys.upstream))
                #expect(response.json?["error"]?["message"] == "Incorrect API key provided: [redacted].")
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func persistent429IsReportedAs429AfterRetries(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(["error": ["message": "slow down"]], status: .tooManyRequests) }
        try await upstream.run { port in
            try await withGatehouse(config([deployment("gpt", port: port)], retries: 2), client: client) { client, _ in
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .tooManyRequests)
                #expect(response.json?["error"]?["type"] == "rate_limit_error")
                #expect(upstream.requests.count == 3)
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func fallbackModelServesWhenThePrimaryFails(client: UpstreamSettings.Client) async throws {
        let down = RecordingUpstream { _, _ in RecordingUpstream.json(["error": ["message": "down"]], status: .serviceUnavailable) }
        let backup = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("from backup")) }
        try await down.run { downPort in
            try await backup.run { backupPort in
                let deployments = [deployment("primary", port: downPort), deployment("backup", port: backupPort)]
                try await withGatehouse(config(deployments, retries: 1, fallbacks: ["primary": ["backup"]]), client: client) { client, _ in
                    let response = try await client.post("/v1/chat/completions", chat("primary"))
                    #expect(response.status == .ok)
                    #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "from backup")
                    #expect(down.requests.count == 2)
                    #expect(backup.requests.first?.body?["model"] == "up-backup")
                }
            }
        }
    }

    /// Attack (issue 14, finding 17): a caller allowed `primary` only reached `backup` — a model
    /// it may not use — whenever `primary` failed. Every model tried is checked.
    @Test func aFallbackTheCallerMayNotUseIsSkipped() async throws {
        let down = RecordingUpstream { _, _ in RecordingUpstream.json(["error": ["message": "down"]], status: .serviceUnavailable) }
        let backup = RecordingUpstream { _, _ in RecordingUpstream.json(RecordingUpstream.chatCompletion("from backup")) }
        try await down.run { downPort in
            try await backup.run { backupPort in
                let deployments = [deployment("primary", port: downPort), deployment("backup", port: backupPort)]
                try await withGatehouse(config(deployments, retries: 0, fallbacks: ["primary": ["backup"]])) { client, _ in
                    let limited = try #require(try await client.post("/key/generate", ["models": ["primary"]]).json?["key"]?.stringValue)
                    let refused = try await client.post("/v1/chat/completions", chat("primary"), headers: bearer(limited))
                    #expect(refused.status.code >= 500 && refused.json?["error"]?["code"] == "upstream_error")
                    #expect(backup.requests.isEmpty)
                    let allowed = try #require(
                        try await client.post("/key/generate", ["models": ["primary", "backup"]]).json?["key"]?.stringValue)
                    #expect(try await client.post("/v1/chat/completions", chat("primary"), headers: bearer(allowed)).status == .ok)
                    #expect(backup.requests.count == 1)
                }
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func firstByteTimeoutEndsAStalledAttempt(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in
            try await Task.sleep(for: .seconds(8))
            return RecordingUpstream.json(RecordingUpstream.chatCompletion("late"))
        }
        try await upstream.run { port in
            var config = config([deployment("gpt", port: port)], retries: 0)
            config.server.upstream.firstByteTimeout = 0.3
            try await withGatehouse(config, client: client) { client, _ in
                let start = ContinuousClock.now
                let response = try await client.post("/v1/chat/completions", chat("gpt"))
                #expect(response.status == .gatewayTimeout)
                #expect(response.json?["error"]?["code"] == "upstream_timeout")
                // At the first-byte timeout, long before the upstream's answer (8 s), with room
                // for a loaded machine.
                #expect(ContinuousClock.now - start < .seconds(5))
            }
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func unreachableUpstreamIs502(client: UpstreamSettings.Client) async throws {
        // Port 9 (discard) is closed on the loopback interface of test machines.
        var unreachable = deployment("gpt", port: 9)
        unreachable.apiBase = "http://127.0.0.1:9/v1"
        try await withGatehouse(config([unreachable], retries: 0), client: client) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("gpt"))
            #expect(response.status == .badGateway)
            #expect(response.json?["error"]?["code"] == "upstream_error")
            #expect(response.json?["error"]?["message"]?.stringValue?.contains(TestKeys.upstream) == false)
        }
    }

    @Test(arguments: UpstreamSettings.Client.allCases)
    func streamIdleTimeoutEndsASilentStreamInBand(client: UpstreamSettings.Client) async throws {
        let upstream = RecordingUpstream { _, _ in
            RecordingUpstream.stream(
                ["data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n", "data: [DONE]\n\n"], delay: .seconds(12))
        }
        try await upstream.run { port in
            var config = config([deployment("gpt", port: port)], retries: 0)
            // Not shorter: inside the full suite on two cores the first chunk itself has taken
            // over a second to arrive, and a 1 s timeout ended the stream before it.
            config.server.upstream.streamIdleTimeout = 3
            try await withGatehouse(config, client: client) { client, _ in
                let start = ContinuousClock.now
                let response = try await client.post("/v1/chat/completions", chat("gpt", stream: true))
                // Ended by the idle timeout (3 s), long before the upstream's next chunk (12 s),
                // with room for a loaded machine.
                #expect(ContinuousClock.now - start < .seconds(10))
                #expect(response.events.first?.data.contains("\"a\"") == true)
                #expect(response.events.last?.data.contains("upstream_error") == true)
            }
        }
    }
}
