import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Lockouts, with the test client (127.0.0.1) as a trusted proxy forwarding for several addresses.
@Suite("Lockout after repeated failures")
struct LockoutLiveTests {
    var config: GatehouseConfig {
        var config = OAuthServerTests().config
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.lockout.addressFailures = 3
        config.server.lockout.failures = 2
        return config
    }

    func from(_ address: String, _ headers: HTTPFields = bearer(TestKeys.master)) -> HTTPFields {
        var headers = headers
        headers[HTTPField.Name("x-forwarded-for")!] = address
        return headers
    }

    @Test func anAddressIsBlockedAfterFailuresWithoutLockingOthersOutAndAdminsCanLiftIt() async throws {
        try await withGatehouse(config) { client, _ in
            let attacker = "203.0.113.1"
            for guess in 0..<3 {
                #expect(try await client.get("/v1/models", headers: from(attacker, bearer("sk-guess-\(guess)"))).status == .unauthorized)
            }
            // Blocked: even a valid key from there gets 429 with Retry-After, and is not tried.
            for _ in 0..<3 {
                let blocked = try await client.get("/v1/models", headers: from(attacker))
                // 60 s from the block's start (a little less once a loaded machine has let time pass).
                let retryAfter = blocked.headers[.retryAfter].flatMap { Int($0) } ?? 0
                #expect(blocked.status == .tooManyRequests && (50...60).contains(retryAfter))
            }
            // The same key from anywhere else works.
            #expect(try await client.get("/v1/models", headers: from("198.51.100.2")).status == .ok)

            let admin = from("198.51.100.2")
            let list = try await client.get("/lockout/list", headers: admin)
            #expect(list.json?["blocks"]?.arrayValue?.map { $0["subject"]?.stringValue } == ["address:" + attacker])
            // One lockout record per block, not per refused request; three failures, no more.
            let trail = try await client.get("/audit?page_size=100", headers: admin).json?["records"]?.arrayValue ?? []
            #expect(trail.filter { $0["action"] == "auth.lockout" }.count == 1)
            #expect(trail.filter { $0["action"] == "auth.failure" }.count == 3)

            #expect(try await client.post("/lockout/unlock", ["subject": .string("address:" + attacker)], headers: admin).status == .ok)
            #expect(try await client.post("/lockout/unlock", ["subject": .string("address:" + attacker)], headers: admin).status == .notFound)
            #expect(try await client.get("/v1/models", headers: from(attacker)).status == .ok)
            let unlocked = try await client.get("/audit?action=lockout.unlock", headers: admin).json?["records"]?.arrayValue?.first
            #expect(unlocked?["actor"] == "master" && unlocked?["object"]?.stringValue == "address:" + attacker)
            let metrics = try await client.get("/metrics", headers: admin).text
            #expect(metrics.contains(#"gatehouse_lockouts_total{method="api_key"} 1"#))
        }
    }

    @Test func aClientSecretGuessedFromOneAddressStillWorksFromAnother() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await OAuthServerTests().register(client)
            let guess = OAuthServerTests.Client(id: registered.id, secret: "wrong")
            func token(_ who: OAuthServerTests.Client, from address: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/oauth/token", method: .post,
                    headers: from(address, [.authorization: who.basic, .contentType: "application/x-www-form-urlencoded"]),
                    body: .init(string: "grant_type=client_credentials")
                ) { $0.status }
            }
            #expect(try await token(guess, from: "203.0.113.7") == .unauthorized)
            #expect(try await token(guess, from: "203.0.113.7") == .unauthorized)
            #expect(try await token(registered, from: "203.0.113.7") == .tooManyRequests)
            #expect(try await token(registered, from: "198.51.100.3") == .ok)
        }
    }

    @Test func failuresCrossingTheThresholdAlertTheWebhook() async throws {
        let webhook = RecordingUpstream { _, _ in Response(status: .ok) }
        try await webhook.run { hookPort in
            var config = self.config
            config.server.metering.alertWebhookURL = "http://127.0.0.1:\(hookPort)/alerts"
            try await withGatehouse(config) { client, _ in
                // A blocked key tried from three addresses (against one principal), then one
                // address failing three times.
                let created = try await client.post("/key/generate", ["models": ["mock-gpt"]])
                let key = try #require(created.json?["key"]?.stringValue)
                let id = try #require(created.json?["token"]?.stringValue)
                #expect(try await client.post("/key/block", ["key": .string(id)], headers: from("10.0.0.1")).status == .ok)
                for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
                    #expect(try await client.get("/v1/models", headers: from(address, bearer(key))).status == .unauthorized)
                }
                for guess in 0..<3 { _ = try await client.get("/v1/models", headers: from("203.0.113.9", bearer("sk-bad-\(guess)"))) }
                _ = await eventually { webhook.requests.count >= 2 }
                let alerts = webhook.requests.compactMap { $0.body?["alert"] }
                #expect(alerts.allSatisfy { $0["event"] == "authentication_failures" && $0["failures"] == 3 })
                #expect(Set(alerts.compactMap { $0["subject"]?.stringValue }) == ["key:" + id, "address:203.0.113.9"])
                #expect(!webhook.requests.contains { "\($0.body ?? .null)".contains(key) })
            }
        }
    }
}
