import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
import ServiceLifecycle
import Synchronization

/// `UpstreamTransport` on SwiftNIO's HTTP/1.1 codec, built to keep a request on one event loop:
/// keep-alive connections are pooled per event loop and the loop serving the calling task is
/// used, request head and body go out in a single flush, and the body streams back with
/// back-pressure (or, when the caller wants it whole, is gathered on the connection's loop and
/// handed over at its end). Dropping the body before its end closes the connection, which cancels
/// the upstream request.
public final class NIOHTTPTransport: UpstreamTransport, Service {
    private struct PoolKey: Hashable {
        var loop: ObjectIdentifier
        var origin: UpstreamTarget.Origin
    }

    private let group: any EventLoopGroup
    private let connectTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let maxIdlePerOrigin: Int
    private let tlsContext: NIOSSLContext
    private let idle = Mutex<[PoolKey: [any Channel]]>([:])
    /// The bound on connections open to one origin; nil: none.
    private let originLimit: OriginConnectionLimit?
    /// The URLs requests go to, parsed once each.
    let targets = UpstreamTargets()

    /// - Parameters:
    ///   - connectTimeout: TCP (and TLS) connection establishment.
    ///   - idleTimeout: longest silence while reading a response; also how long an unused pooled
    ///     connection is kept.
    ///   - tls: how upstream certificates are verified (see `UpstreamTLS`).
    ///   - maxConnectionsPerOrigin: the most connections open to one origin, on all event loops
    ///     together; past it a request waits (up to `connectTimeout`) for one to be free.
    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, connectTimeout: TimeAmount, idleTimeout: TimeAmount,
        tls: TLSConfiguration = UpstreamTLS.configuration(), maxIdlePerOrigin: Int = 64, maxConnectionsPerOrigin: Int? = nil
    ) throws {
        originLimit = maxConnectionsPerOrigin.map(OriginConnectionLimit.init(limit:))
        self.group = group
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.maxIdlePerOrigin = maxIdlePerOrigin
        self.tlsContext = try NIOSSLContext(configuration: tls)
    }

    public func send(_ request: UpstreamRequest, timeouts: UpstreamTimeouts) async throws -> UpstreamResponse {
        guard let entry = targets.entry(for: request.url) else {
            throw TransportError(.other, "invalid upstream URL")
        }
        let target = entry.target
        let head = UpstreamRequestFraming.decoderHead(method: request.method)
        let bytes = try targets.frame(request, to: entry)

        let loop = group.any()
        // A pooled connection may have been closed by the upstream since its last use; that shows
        // as a close before any response byte, and the request is retried once on a new one.
        for attempt in 0..<2 {
            // The retry takes a new connection: the pooled ones are likely just as stale.
            let (channel, reused) = try await connection(to: target.origin, on: loop, fromPool: attempt == 0)
            do {
                let response = try await exchange(on: channel, head: head, bytes: bytes, timeouts: timeouts, whole: request.wholeBodyLimit)
                return response
            } catch UpstreamConnectionHandler.Failure.closedBeforeResponse where reused && attempt == 0 && !Task.isCancelled {
                continue
            } catch {
                throw UpstreamConnectionHandler.transportError(error)
            }
        }
        throw TransportError(.connect, "upstream closed the connection")
    }

    /// - Parameters:
    ///   - head: what the response decoder is told of the request; `bytes`: the request, framed.
    ///   - whole: gather the body on the connection's loop, at most this many bytes, and answer
    ///     with it whole; nil: stream it.
    private func exchange(
        on channel: any Channel, head: HTTPRequestHead, bytes: ByteBuffer, timeouts: UpstreamTimeouts, whole: Int?
    ) async throws
        -> UpstreamResponse
    {
        let loop = channel.eventLoop
        if let whole {
            // One promise for head and body, kept until the body has all arrived.
            let promise = loop.makePromise(of: UpstreamConnectionHandler.WholeResponse.self)
            let body = UpstreamConnectionHandler.WholeBody(promise: promise, limit: whole, total: timeouts.total)
            _ = try await begin(on: channel, head: head, bytes: bytes, firstByteTimeout: timeouts.firstByte, awaiting: .whole(body))
            let response = try await answer(promise.futureResult, closing: channel)
            return UpstreamResponse(status: Int(response.head.status.code), headers: response.head.headers, body: .bytes(response.body))
        }
        let promise = loop.makePromise(of: HTTPResponseHead.self)
        let body = try await begin(on: channel, head: head, bytes: bytes, firstByteTimeout: timeouts.firstByte, awaiting: .head(promise))
        let responseHead = try await answer(promise.futureResult, closing: channel)
        guard let body else { throw UpstreamConnectionHandler.Failure.closedBeforeResponse }
        return UpstreamResponse(
            status: Int(responseHead.status.code), headers: responseHead.headers, body: .streamed(body, deadline: .now() + timeouts.total))
    }

    /// Starts the exchange on the connection's loop: at once when the request's task runs there
    /// (the usual case), else as a job there. - Returns: the streamed body; nil when it is
    /// gathered whole. - Throws: when the connection is gone (a close before the response).
    private func begin(
        on channel: any Channel, head: HTTPRequestHead, bytes: ByteBuffer, firstByteTimeout: TimeAmount,
        awaiting: UpstreamConnectionHandler.Awaiting
    ) async throws -> StreamedUpstreamBody.Reader? {
        let loop = channel.eventLoop
        let started: Started?
        if loop.inEventLoop {
            // Called, not wrapped in a closure: no closure context to allocate per request.
            started = Self.start(on: channel, head: head, bytes: bytes, firstByteTimeout: firstByteTimeout, awaiting: awaiting)
        } else {
            do {
                started = try await loop.submit {
                    Self.start(on: channel, head: head, bytes: bytes, firstByteTimeout: firstByteTimeout, awaiting: awaiting)
                }.get()
            } catch {
                awaiting.fail(error)  // the loop is gone: the task never ran
                throw error
            }
        }
        switch started {
        case nil: throw UpstreamConnectionHandler.Failure.closedBeforeResponse
        case .whole?: return nil
        case .streamed(let body)?: return body
        }
    }

    /// An exchange begun: its body gathered whole, or streamed to this reader.
    private enum Started: Sendable {
        case whole
        case streamed(StreamedUpstreamBody.Reader)
    }

    /// On the connection's loop. - Returns: nil when the connection is gone.
    private static func start(
        on channel: any Channel, head: HTTPRequestHead, bytes: ByteBuffer, firstByteTimeout: TimeAmount,
        awaiting: UpstreamConnectionHandler.Awaiting
    ) -> Started? {
        // A pooled connection the upstream closed since it was taken has no handler left: that is
        // a close before the response (retried once on a new connection).
        guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self) else {
            awaiting.fail(UpstreamConnectionHandler.Failure.closedBeforeResponse)
            return nil
        }
        guard case .head = awaiting else {
            handler.start(head: head, bytes: bytes, firstByteTimeout: firstByteTimeout, awaiting: awaiting)
            return .whole
        }
        handler.start(head: head, bytes: bytes, firstByteTimeout: firstByteTimeout, awaiting: awaiting)
        return .streamed(handler.makeBody(on: channel.eventLoop))
    }

    /// Waits for the upstream's answer; a cancelled request closes the connection, which fails it.
    private func answer<Value: Sendable>(_ future: EventLoopFuture<Value>, closing channel: any Channel) async throws -> Value {
        try await withTaskCancellationHandler {
            try await future.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private func connection(to origin: UpstreamTarget.Origin, on loop: any EventLoop, fromPool: Bool) async throws -> (any Channel, Bool) {
        let key = PoolKey(loop: ObjectIdentifier(loop), origin: origin)
        while fromPool, let pooled = idle.withLock({ $0[key]?.popLast() }) {
            if pooled.isActive { return (pooled, true) }
        }
        guard let originLimit else { return (try await connect(to: origin, key: key, on: loop), false) }
        while true {
            if originLimit.tryOpen(origin) { return (try await connect(to: origin, key: key, on: loop), false) }
            // At the bound: a connection to the origin idle on another event loop serves, else
            // the first one freed.
            if let pooled = idle.withLock({ pool in pool.first { $0.key.origin == origin && !$0.value.isEmpty }.map { pool[$0.key]!.removeLast() } }),
                pooled.isActive
            {
                return (pooled, true)
            }
            switch try await originLimit.wait(for: origin, timeout: connectTimeout, on: loop) {
            case .open: return (try await connect(to: origin, key: key, on: loop), false)
            case .reuse(let channel) where channel.isActive: return (channel, true)
            case .reuse: continue  // closed since: its close frees a place
            }
        }
    }

    /// With a bound, the caller has taken the connection's place; a failure to connect gives it back.
    private func connect(to origin: UpstreamTarget.Origin, key: PoolKey, on loop: any EventLoop) async throws -> any Channel {
        let tlsContext = origin.tls ? self.tlsContext : nil
        let idleTimeout = self.idleTimeout
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tlsContext {
                        try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: origin.host.isIPAddress ? nil : origin.host))
                    }
                    // NIO's client handlers but its encoder and validator: requests come framed
                    // and checked (`UpstreamRequestFraming`).
                    try sync.addHandler(UpstreamRequestWriter())
                    try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.addHandler(UpstreamConnectionHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: origin.host, port: origin.port).get()
        } catch {
            originLimit?.closed(origin)
            throw TransportError(.connect, "upstream unreachable: \(error)")
        }
        if let originLimit { channel.closeFuture.whenComplete { _ in originLimit.closed(origin) } }
        let pool = self
        let ready = try await channel.eventLoop.submit {
            // Closed by the upstream as soon as it opened: the pipeline is already torn down.
            guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self) else { return false }
            handler.onReusable = { [weak channel] in
                guard let channel else { return }
                pool.release(channel, key: key)
            }
            return true
        }.get()
        guard ready else { throw TransportError(.connect, "upstream closed the connection") }
        return channel
    }

    private func release(_ channel: any Channel, key: PoolKey) {
        if let originLimit, originLimit.handOver(channel, origin: key.origin) { return }
        let kept = idle.withLock { pool -> Bool in
            // Appended in place: a copy taken out and written back would copy the whole list.
            guard pool[key, default: []].count < maxIdlePerOrigin else { return false }
            pool[key, default: []].append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let channels = idle.withLock { pool -> [any Channel] in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

extension String {
    var isIPAddress: Bool {
        contains(":") || allSatisfy { $0 == "." || $0.isNumber }
    }
}
