import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Rate limits, live")
struct RateLimitLiveTests {
    @Test func tenRequestsPerMinuteUnderFortyConcurrentRequests() async throws {
        try await withGatehouse(.embeddedDefault) { client, _ in
            let created = try await client.post("/key/generate", ["rpm_limit": 10])
            let raw = try #require(created.json?["key"]?.stringValue)
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let response = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw))
                        return (response.status, response.headers[.retryAfter], response.headers[HTTPField.Name("x-ratelimit-remaining-requests")!])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == .ok }.count == 10)
            let refused = statuses.filter { $0.0 == .tooManyRequests }
            #expect(refused.count == 30)
            #expect(refused.allSatisfy { $0.1.flatMap(Int.init).map { (59...60).contains($0) } == true })
            #expect(refused.allSatisfy { $0.2 == "0" })
            #expect(Set(statuses.filter { $0.0 == .ok }.compactMap(\.2)) == Set((0..<10).map(String.init)))
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
}
