import AsyncHTTPClient
import GatehouseCore
import NIOCore
import NIOHTTP1

/// `count` requests at once, each on its own connection (the test client would send them one
/// after another): status, `Retry-After`, `x-ratelimit-remaining-requests`.
func concurrently(_ count: Int, port: Int, key: String, body: JSONValue) async throws -> [(UInt, String?, String?)] {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    // Shut down on every path: a client dropped without it stops the whole test process.
    let results: [(UInt, String?, String?)]
    do {
        results = try await requests(count, http: http, port: port, key: key, body: body)
    } catch {
        try? await http.shutdown()
        throw error
    }
    try await http.shutdown()
    return results
}

private func requests(_ count: Int, http: HTTPClient, port: Int, key: String, body: JSONValue) async throws -> [(UInt, String?, String?)] {
    try await withThrowingTaskGroup(of: (UInt, String?, String?).self) { group in
        for _ in 0..<count {
            group.addTask {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "authorization", value: "Bearer \(key)")
                request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(body)))
                // Generous: the full suite on two cores once held fifty requests past ten seconds.
                let response = try await http.execute(request, timeout: .seconds(60))
                _ = try await response.body.collect(upTo: 1 << 20)
                return (
                    response.status.code, response.headers.first(name: "retry-after"),
                    response.headers.first(name: "x-ratelimit-remaining-requests")
                )
            }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}
