import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request whose headers exceed the configured size or count with 431 and the OpenAI
/// envelope, instead of the bare 400 the HTTP parser error would otherwise become.
final class HeaderLimitResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    static let body =
        #"{"error":{"message":"Request headers are too large or too many.","type":"invalid_request_error","param":null,"code":"request_header_fields_too_large"}}"#

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        let body = context.channel.allocator.buffer(string: Self.body)
        let head = HTTPResponse(
            status: .init(code: 431),
            headerFields: [.contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close"]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
