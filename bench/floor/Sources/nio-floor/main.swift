// nio-floor proxy PORT UPSTREAM_PORT PATH_PREFIX   forward every request to 127.0.0.1:UPSTREAM_PORT
//                                                  with PATH_PREFIX before its path
// nio-floor answer PORT                            answer every request at once from memory
//
// No authentication, no JSON, no routing, no metering: what is left is SwiftNIO itself (event
// loop, pipeline, sockets, the HTTP/1.1 codecs on both connections). A gateway built on SwiftNIO
// cannot cost less than this per request.
import NIOCore
import NIOHTTP1
import NIOPosix

let completion =
    #"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a benchmark reply from the mock upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}}"#

/// Answers every request with the mock's completion, once its body has arrived.
final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var body: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        if body == nil { body = context.channel.allocator.buffer(string: completion) }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body!.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body!))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// The client's side: gathers a request, sends it on the connection's own upstream connection
/// (opened on first use, on the same event loop), and relays the response as it comes.
final class ProxyHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let upstreamPort: Int
    let prefix: String
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var upstream: UpstreamHandler?
    private var context: ChannelHandlerContext?

    init(upstreamPort: Int, prefix: String) {
        self.upstreamPort = upstreamPort
        self.prefix = prefix
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
            body = nil
        case .body(let chunk):
            if body == nil { body = chunk } else { body!.writeImmutableBuffer(chunk) }
        case .end:
            guard let received = head else { return }
            var forwarded = HTTPRequestHead(version: .http1_1, method: received.method, uri: prefix + received.uri, headers: received.headers)
            forwarded.headers.replaceOrAdd(name: "host", value: "127.0.0.1:\(upstreamPort)")
            forwarded.headers.remove(name: "connection")
            let sent = body
            if let upstream {
                upstream.send(forwarded, body: sent)
                return
            }
            let handler = UpstreamHandler(client: self)
            ClientBootstrap(group: context.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(handler) }
                }
                .connect(host: "127.0.0.1", port: upstreamPort)
                .whenComplete { result in
                    switch result {
                    case .success:
                        self.upstream = handler
                        handler.send(forwarded, body: sent)
                    case .failure:
                        context.close(promise: nil)
                    }
                }
        }
    }

    func relay(_ part: HTTPClientResponsePart) {
        guard let context else { return }
        switch part {
        case .head(let response):
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: response.headers))), promise: nil)
        case .body(let chunk):
            context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
        case .end:
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close()
        self.context = nil
        context.fireChannelInactive()
    }
}

/// The upstream side: one request at a time, its response parts handed to the client's handler.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    private weak var client: ProxyHandler?
    private var context: ChannelHandlerContext?

    init(client: ProxyHandler) { self.client = client }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ head: HTTPRequestHead, body: ByteBuffer?) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client?.relay(unwrapInboundIn(data))
    }

    func close() { context?.close(promise: nil) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[2]) else {
    print("usage: nio-floor proxy PORT UPSTREAM_PORT PATH_PREFIX | nio-floor answer PORT")
    exit(2)
}
let proxying = arguments[1] == "proxy"
let upstreamPort = proxying ? Int(arguments[3])! : 0
let prefix = proxying && arguments.count > 4 ? arguments[4] : ""

let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
            channel.pipeline.addHandler(
                proxying ? ProxyHandler(upstreamPort: upstreamPort, prefix: prefix) as ChannelHandler : AnswerHandler()
            )
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
try server.closeFuture.wait()
