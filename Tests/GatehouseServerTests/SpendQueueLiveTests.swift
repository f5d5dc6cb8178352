import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Spend queue, live")
struct SpendQueueLiveTests {
    @Test func aFullSpendQueueRefusesNewRequestsUntilItIsWritten() async throws {
        var config = BudgetLiveTests.config()
        // Nothing is written on a timer: only a read of spend writes the queue out.
        config.server.metering.spendFlushIntervalSeconds = 3600
        config.server.metering.spendQueueLimit = 3
        try await withGatehouse(config) { client, _ in
            let created = try await client.post("/key/generate", [:])
            let key = try #require(created.json?["key"]?.stringValue)
            let id = try #require(created.json?["token"]?.stringValue)
            for _ in 0..<3 {
                #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key)).status == .ok)
            }
            let refused = try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key))
            #expect(refused.status == .serviceUnavailable && refused.json?["error"]?["code"] == "spend_queue_full")
            #expect(refused.headers[.retryAfter] == "1")
            // Reading spend writes the queue: all three requests were billed, none was lost, and
            // the gateway serves again.
            #expect(try await client.get("/key/info?key=\(id)").json?["info"]?["spend"] == 0.03)
            #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(key)).status == .ok)
        }
    }
}
