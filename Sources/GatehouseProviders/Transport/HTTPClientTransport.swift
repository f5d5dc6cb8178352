public import AsyncHTTPClient
import Logging
public import NIOCore
import NIOHTTP1
public import NIOSSL
import ServiceLifecycle

/// `UpstreamTransport` over AsyncHTTPClient: no redirects, no decompression, explicit timeouts.
/// A `Service` so that the client is shut down with the server.
public final class HTTPClientTransport: UpstreamTransport, Service {
    public let client: HTTPClient

    /// - Parameters:
    ///   - connectTimeout: TCP (and TLS) connection establishment.
    ///   - idleTimeout: longest silence while reading a response, i.e. between stream chunks.
    public init(
        connectTimeout: TimeAmount, idleTimeout: TimeAmount, tls: TLSConfiguration = UpstreamTLS.configuration(), connectionsPerHost: Int = 64
    ) {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout, read: idleTimeout),
            decompression: .disabled
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A refused connection fails the attempt at once so the router can go elsewhere, instead of
        // being retried inside the pool until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .automatic
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A transport whose service never ran (the application was stopped, or failed to start,
    /// before its services began) still closes its client: AsyncHTTPClient stops the process
    /// when a client it runs is released without that. Closing twice does nothing.
    deinit { _ = client.shutdown() }

    /// Closes the client's connections (for a user outside a service group: the command line).
    public func shutdown() async throws { try await client.shutdown() }

    public func send(_ request: UpstreamRequest, timeouts: UpstreamTimeouts) async throws -> UpstreamResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(request.body)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: timeouts.firstByte)
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout:
                throw TransportError(.timeout, "upstream timed out before responding")
            default:
                throw TransportError(.connect, "upstream unreachable: \(error)")
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportError(.connect, "upstream unreachable: \(error)")
        }
        let deadline = NIODeadline.now() + timeouts.total
        return UpstreamResponse(
            status: Int(response.status.code),
            headers: response.headers,
            body: UpstreamBody(DeadlineBoundSequence(base: response.body, deadline: deadline))
        )
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

/// Ends a body that is still arriving past the attempt's total deadline. Checked per chunk: a
/// silent upstream is ended by the idle (read) timeout instead.
struct DeadlineBoundSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let deadline: NIODeadline

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let deadline: NIODeadline

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next(isolation: #isolation) else { return nil }
            try TransportError.checkTotal(deadline)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), deadline: deadline) }
}

extension TransportError {
    /// After a chunk of a body has arrived: fails once the attempt's total `deadline` has passed.
    static func checkTotal(_ deadline: NIODeadline) throws {
        guard NIODeadline.now() < deadline else {
            throw TransportError(.timeout, "upstream response exceeded the total timeout")
        }
    }
}
