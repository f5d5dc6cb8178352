import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import GatehouseServer

@Suite("Spend queue")
struct SpendQueueTests {
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

    @Test func drainWaitsForEverySettlementSubmittedBeforeIt() async throws {
        let settlements = Settlements(concurrency: 4)
        let done = Atomic(0)
        try await withRunningService(settlements) {
            for _ in 0..<40 {
                settlements.submit {
                    try? await Task.sleep(for: .milliseconds(5))
                    done.add(1, ordering: .relaxed)
                }
            }
            #expect(settlements.pending > 0)
            await settlements.drain()
            #expect(done.load(ordering: .relaxed) == 40 && settlements.pending == 0)
            await settlements.drain()  // nothing pending: returns at once
        }
    }

    @Test func shutdownFinishesWhatIsQueued() async throws {
        let settlements = Settlements(concurrency: 2)
        let done = Atomic(0)
        try await withRunningService(settlements) {
            for _ in 0..<10 {
                settlements.submit {
                    try? await Task.sleep(for: .milliseconds(10))
                    done.add(1, ordering: .relaxed)
                }
            }
        }
        // The service returned only after the queue was empty.
        #expect(done.load(ordering: .relaxed) == 10 && settlements.pending == 0)
    }
}
