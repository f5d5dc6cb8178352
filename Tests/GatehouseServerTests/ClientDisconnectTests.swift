import AsyncHTTPClient
import GatehouseCore
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@Suite("Client going away")
struct ClientDisconnectTests {
    @Test(arguments: UpstreamSettings.Client.allCases)
    func abandoningAStreamCancelsTheUpstreamRequest(client: UpstreamSettings.Client) async throws {
        let upstreamStopped = Mutex<ContinuousClock.Instant?>(nil)
        let firstChunkRead = Flag()
        let upstream = RecordingUpstream { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: .init { writer in
                    do {
                        for index in 0..<100 {
                            try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(index)\"}}]}\n\n"))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try await writer.finish(nil)
                    } catch {
                        upstreamStopped.withLock { $0 = .now }
                        throw error
                    }
                })
        }
        try await upstream.run { port in
            try await withGatehouse(GatehouseConfig(models: [deployment("gpt", port: port)]), client: client) { _, gatehousePort in
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                let reader = Task {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatehousePort)/v1/chat/completions")
                    request.method = .POST
                    request.headers.add(name: "authorization", value: "Bearer \(TestKeys.master)")
                    request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(chat("gpt", stream: true))))
                    let response = try await client.execute(request, timeout: .seconds(10))
                    var iterator = response.body.makeAsyncIterator()
                    _ = try await iterator.next()
                    firstChunkRead.set()
                    try await Task.sleep(for: .seconds(30))
                }
                // The stream is under way (on a loaded machine that can take longer than the
                // fixed 300 ms this once waited, and a request cancelled before it was sent
                // never reaches the upstream at all).
                #expect(await eventually { firstChunkRead.isSet })
                try await Task.sleep(for: .milliseconds(100))
                let abandoned = ContinuousClock.now
                reader.cancel()
                _ = await reader.result
                try await client.shutdown()
                // The upstream would wait 30 s for its next chunk; it must see its request end long
                // before (within seconds even on a loaded machine, where it once took 1.6 s).
                _ = await eventually { upstreamStopped.withLock { $0 } != nil }
                let stopped = try #require(upstreamStopped.withLock { $0 })
                #expect(stopped - abandoned < .seconds(4))
            }
        }
    }
}

/// Set once, from any task.
private final class Flag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
