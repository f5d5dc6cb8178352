import AsyncHTTPClient
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Rate limits, live")
struct RateLimitLiveTests {
    @Test func tenRequestsPerMinuteUnderFortyConcurrentRequests() async throws {
        try await withGatehouse(.embeddedDefault) { client, port in
            let created = try await client.post("/key/generate", ["rpm_limit": 10])
            let raw = try #require(created.json?["key"]?.stringValue)
            let statuses = try await concurrently(40, port: port, key: raw, body: chat("mock-gpt"))
            #expect(statuses.filter { $0.0 == 200 }.count == 10)
            let refused = statuses.filter { $0.0 == 429 }
            #expect(refused.count == 30)
            #expect(refused.allSatisfy { $0.1.flatMap(Int.init).map { (59...60).contains($0) } == true })
            #expect(refused.allSatisfy { $0.2 == "0" })
            #expect(Set(statuses.filter { $0.0 == 200 }.compactMap(\.2)) == Set((0..<10).map(String.init)))
            let body = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
            #expect(body.json?["error"]?["type"] == "rate_limit_error")
            #expect(body.json?["error"]?["message"] == "Rate limit reached: 10 requests per minute for this key.")
            #expect(!body.text.contains("key_"))
        }
    }

    @Test func aTeamLimitIsSharedByItsKeys() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "small", "rpm_limit": 3])
            let first = try #require(try await client.post("/key/generate", ["team_id": "small"]).json?["key"]?.stringValue)
            let second = try #require(try await client.post("/key/generate", ["team_id": "small"]).json?["key"]?.stringValue)
            var statuses: [HTTPResponse.Status] = []
            for key in [first, second, first, second] {
                statuses.append(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status)
            }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(first))
            #expect(refused.json?["error"]?["message"] == "Rate limit reached: 3 requests per minute for this team.")
            // The master key and model listings are not limited.
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt")).status == .ok)
            #expect(try await client.get("/v1/models", headers: bearer(first)).status == .ok)
        }
    }

    @Test func parallelRequestsHoldASlotUntilTheirResponseIsDone() async throws {
        var config = GatehouseConfig.embeddedDefault
        var slow = Deployment.mock(modelName: "slow")
        // Long enough that six requests overlap even on a machine busy with the rest of the suite
        // (at 400 ms, one once started after another had finished).
        slow.mock.latencyMs = 2000
        config.models.append(slow)
        try await withGatehouse(config) { client, port in
            let created = try await client.post("/key/generate", ["max_parallel_requests": 2])
            let raw = try #require(created.json?["key"]?.stringValue)
            let statuses = try await concurrently(6, port: port, key: raw, body: chat("slow")).map(\.0)
            #expect(statuses.filter { $0 == 200 }.count == 2)
            #expect(statuses.filter { $0 == 429 }.count == 4)
            // Finished requests gave their slots back, streams included.
            let streamed = try await client.post("/v1/chat/completions", chat("slow", stream: true), headers: bearer(raw))
            #expect(streamed.status == .ok && !streamed.events.isEmpty)
            for _ in 0..<3 {
                let answered = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
                #expect(answered.status == .ok)
            }
        }
    }

    @Test func aCompleteResponseCarriesItsCost() async throws {
        var config = GatehouseConfig.embeddedDefault
        var priced = Deployment.mock(modelName: "priced")
        priced.mock.promptTokens = 1000
        priced.mock.completionTokens = 500
        priced.inputCostPerToken = 0.0000025
        priced.outputCostPerToken = 0.00001
        config.models.append(priced)
        try await withGatehouse(config) { client, _ in
            let response = try await client.post("/v1/chat/completions", chat("priced"))
            #expect(response.headers[HTTPField.Name("x-gatehouse-response-cost")!] == "0.0075")
            #expect(response.headers[HTTPField.Name("x-litellm-response-cost")!] == "0.0075")
            #expect(response.json?["usage"]?["prompt_tokens"] == 1000)
        }
    }

    @Test func endUsersAreLimitedPerCredential() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.metering.endUserLimits.rpmLimit = 2
        try await withGatehouse(config) { client, _ in
            let first = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            let second = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
            func ask(_ key: String, as user: String?) async throws -> HTTPResponse.Status {
                var body = chat("mock-gpt")
                if let user { body["user"] = .string(user) }
                return try await client.post("/v1/chat/completions", body, headers: bearer(key)).status
            }
            #expect(try await ask(first, as: "alice") == .ok)
            #expect(try await ask(first, as: "alice") == .ok)
            var refused = chat("mock-gpt")
            refused["user"] = "alice"
            let answer = try await client.post("/v1/chat/completions", refused, headers: bearer(first))
            #expect(answer.status == .tooManyRequests)
            #expect(answer.json?["error"]?["message"] == "Rate limit reached: 2 requests per minute for this end_user.")
            #expect(try await ask(first, as: "bob") == .ok)
            // Another credential's "alice" is another end user; requests without `user` are not end users.
            #expect(try await ask(second, as: "alice") == .ok)
            #expect(try await ask(first, as: nil) == .ok)
        }
    }

    @Test func aPerModelLimitCountsOnlyThatModel() async throws {
        try await withGatehouse(.withAccessGroups) { client, _ in
            let key = try #require(
                try await client.post("/key/generate", ["model_rpm_limit": ["openai/gpt-4o": 1]]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(key)).status == .ok)
            let refused = try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(key))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json?["error"]?["message"] == "Rate limit reached: 1 requests per minute for this key and model.")
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status == .ok)
        }
    }
}
