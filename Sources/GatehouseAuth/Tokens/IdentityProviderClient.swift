import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

/// What Gatehouse asks of identity providers: key sets and discovery documents (GET), token
/// introspection and single sign-on's code exchange (POST). A protocol so that tests can serve
/// and count.
public protocol IdentityProviderHTTP: Sendable {
    /// The body of a 200 answer to a GET of `url`; throws on anything else.
    func get(_ url: String) async throws -> [UInt8]
    /// The body of a 200 answer to a form POST; throws on anything else.
    /// - Parameter kind: what the call is for, in metrics (`introspection`, `sso_token`).
    func postForm(_ url: String, form: [(String, String)], basicAuth: (user: String, password: String)?, kind: String) async throws -> [UInt8]
}

extension IdentityProviderHTTP {
    /// A token introspection call.
    public func postForm(_ url: String, form: [(String, String)], basicAuth: (user: String, password: String)?) async throws -> [UInt8] {
        try await postForm(url, form: form, basicAuth: basicAuth, kind: "introspection")
    }
}

/// Identity providers over HTTP(S): its own client, no redirects followed, short timeouts and a
/// size cap, so that a slow or hostile provider cannot hold or flood Gatehouse.
public final class IdentityProviderClient: IdentityProviderHTTP {
    let client: HTTPClient
    let maximumBytes = 1024 * 1024
    let timeout: TimeAmount = .seconds(5)
    /// Told of every call: `jwks` (key sets and discovery documents), `introspection` or
    /// `sso_token`, and whether it succeeded.
    let observe: @Sendable (_ kind: String, _ succeeded: Bool) -> Void

    public init(observe: @escaping @Sendable (_ kind: String, _ succeeded: Bool) -> Void = { _, _ in }) {
        self.observe = observe
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(5)))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func get(_ url: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "accept", value: "application/json")
        return try await observed("jwks") { try await send(request, url: url) }
    }

    public func postForm(
        _ url: String, form: [(String, String)], basicAuth: (user: String, password: String)?, kind: String
    ) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        if let basicAuth {
            // RFC 6749 §2.3.1: each part form-encoded before base64.
            let pair = FormEncoding.encode(basicAuth.user) + ":" + FormEncoding.encode(basicAuth.password)
            request.headers.add(name: "authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        }
        let body = FormEncoding.encode(form)
        request.body = .bytes(ByteBuffer(string: body))
        return try await observed(kind) { try await send(request, url: url) }
    }

    private func observed(_ kind: String, _ call: () async throws -> [UInt8]) async throws -> [UInt8] {
        do {
            let body = try await call()
            observe(kind, true)
            return body
        } catch {
            observe(kind, false)
            throw error
        }
    }

    private func send(_ request: HTTPClientRequest, url: String) async throws -> [UInt8] {
        let response = try await client.execute(request, timeout: timeout)
        guard response.status == .ok else { throw JWTKeyError("\(url) answered \(response.status.code)") }
        return Array(buffer: try await response.body.collect(upTo: maximumBytes))
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
