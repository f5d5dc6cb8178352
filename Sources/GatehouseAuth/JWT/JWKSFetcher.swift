import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches key sets and discovery documents. A protocol so that tests can count fetches.
public protocol JWKSFetching: Sendable {
    /// The body of a 200 answer to a GET of `url`; throws on anything else.
    func get(_ url: String) async throws -> [UInt8]
}

/// JWKS and discovery over HTTP(S): its own client, no redirects followed, short timeouts and a
/// size cap, so that a slow or hostile identity provider cannot hold or flood Gatehouse.
public final class HTTPJWKSFetcher: JWKSFetching {
    let client: HTTPClient
    let maximumBytes = 1024 * 1024
    let timeout: TimeAmount = .seconds(5)

    public init() {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(5)))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func get(_ url: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "accept", value: "application/json")
        let response = try await client.execute(request, timeout: timeout)
        guard response.status == .ok else { throw JWTKeyError("\(url) answered \(response.status.code)") }
        return Array(buffer: try await response.body.collect(upTo: maximumBytes))
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
