import Foundation
import GatehouseCore
import GatehouseProviders
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// `upstream_max_connections_per_origin`: Gatehouse's own client never holds more connections to
/// one upstream than the bound, on all event loops together.
@Suite("Connections per upstream origin")
struct UpstreamConnectionLimitTests {
    /// An upstream that answers after `delay` and counts the requests it serves at once (one per
    /// connection: HTTP/1.1 carries one exchange at a time).
    final class Gauge: Sendable {
        private let counts = Mutex((now: 0, peak: 0))
        var peak: Int { counts.withLock { $0.peak } }

        func upstream(delay: Duration) -> RecordingUpstream {
            RecordingUpstream { _, _ in
                self.counts.withLock {
                    $0.now += 1
                    $0.peak = max($0.peak, $0.now)
                }
                try await Task.sleep(for: delay)
                self.counts.withLock { $0.now -= 1 }
                return RecordingUpstream.json(["ok": true])
            }
        }
    }

    /// Timeouts are generous: under the full suite the delayed upstream once stayed silent past 5 s.
    static func send(_ transport: NIOHTTPTransport, port: Int) async throws -> Int {
        let request = UpstreamRequest(url: "http://127.0.0.1:\(port)/v1/x", headers: [], body: ByteBuffer(string: "{}"))
        let response = try await transport.send(request, timeouts: UpstreamTimeouts(firstByte: .seconds(30), total: .seconds(30)))
        _ = try await response.body.collect(upTo: 1024)
        return response.status
    }

    @Test func requestsPastTheBoundWaitForAConnectionAndAllAreServed() async throws {
        let gauge = Gauge()
        // The wait for a freed connection is bounded by the connect timeout: generous, as the
        // full suite on two cores once kept a request waiting past five seconds.
        let transport = try NIOHTTPTransport(connectTimeout: .seconds(30), idleTimeout: .seconds(30), maxConnectionsPerOrigin: 2)
        try await gauge.upstream(delay: .milliseconds(100)).run { port in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await Self.send(transport, port: port) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8))
        }
        #expect(gauge.peak == 2)
    }

    @Test func aRequestThatWaitsLongerThanTheConnectTimeoutFailsAsAConnectionError() async throws {
        let gauge = Gauge()
        let transport = try NIOHTTPTransport(connectTimeout: .milliseconds(200), idleTimeout: .seconds(30), maxConnectionsPerOrigin: 1)
        try await gauge.upstream(delay: .milliseconds(1500)).run { port in
            let first = Task { try await Self.send(transport, port: port) }
            try await Task.sleep(for: .milliseconds(100))
            let error = await #expect(throws: TransportError.self) { try await Self.send(transport, port: port) }
            #expect(error?.kind == .connect)
            #expect(try await first.value == 200)
        }
        #expect(gauge.peak == 1)
    }
}
