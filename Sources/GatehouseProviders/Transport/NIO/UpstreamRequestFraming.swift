import NIOCore
import NIOHTTP1

/// An upstream request as HTTP/1.1 bytes, made here rather than by NIO's request encoder and its
/// header validator: the request line, `Host`, the request's own fields, `Content-Length`, the
/// empty line and the body, in one buffer. The encoder and the validator each walked the fields
/// as NIO's header type, built from ours for every request, before the bytes were written.
///
/// What is written is checked as the validator checked it, so that nothing a field carries can
/// end the head early or smuggle a second request: the method is a token, the target visible
/// ASCII, each field name a token and each value free of control characters but tab.
enum UpstreamRequestFraming {
    /// The request's bytes, ready for the socket.
    static func frame(method: String, target: UpstreamTarget, headers: [(String, String)], body: ByteBuffer) throws -> ByteBuffer {
        try frame(start: start(method: method, target: target), headers: headers, body: body)
    }

    /// The request line and `Host` field, checked: the same for every request to one URL with
    /// one method, so a caller may keep it (`NIOHTTPTransport` does, for `POST`).
    static func start(method: String, target: UpstreamTarget) throws -> ByteBuffer {
        guard isToken(method) else { throw TransportError(.other, "invalid upstream request method") }
        guard isRequestTarget(target.target) else { throw TransportError(.other, "invalid upstream request target") }
        let authority = target.origin.authority
        var buffer = allocator.buffer(capacity: method.utf8.count + target.target.utf8.count + authority.utf8.count + 24)
        buffer.writeString(method)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(target.target)
        buffer.writeStaticString(" HTTP/1.1\r\nhost: ")
        buffer.writeString(authority)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The request's bytes after its `start`: the request's own fields, `Content-Length`, the
    /// empty line and the body.
    static func frame(start: ByteBuffer, headers: [(String, String)], body: ByteBuffer) throws -> ByteBuffer {
        var size = start.readableBytes + body.readableBytes + 40
        for (name, value) in headers {
            guard isToken(name) else { throw TransportError(.other, "invalid upstream header name") }
            guard isFieldValue(value) else { throw TransportError(.other, "invalid value of upstream header \(name)") }
            size += name.utf8.count + value.utf8.count + 4
        }
        var buffer = allocator.buffer(capacity: size)
        buffer.writeImmutableBuffer(start)
        for (name, value) in headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("content-length: ")
        buffer.writeString(String(body.readableBytes))
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    /// What the response decoder is told of a request: only its method matters (a response to
    /// `HEAD` has no body). The usual one is shared rather than made per request.
    static func decoderHead(method: String) -> HTTPRequestHead {
        method == "POST" ? post : HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/")
    }

    private static let post = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
    private static let allocator = ByteBufferAllocator()

    /// RFC 9110's `token`: one or more of its `tchar`s.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                    UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                    UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                    true
                default: false
                }
            }
    }

    /// A field value: no control character but tab (no CR, LF or NUL), no DEL.
    static func isFieldValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in byte == 0x09 || (byte >= 0x20 && byte != 0x7F) }
    }

    /// A request target: visible ASCII only (no space, control character or line end).
    static func isRequestTarget(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in byte > 0x20 && byte < 0x7F }
    }
}

/// Below the response decoder, where an upstream request's framed bytes (`UpstreamRequestFraming`)
/// leave for the socket: `UpstreamConnectionHandler` writes them from this handler's place, so they
/// pass through no handler above; a body part sent down the pipeline is written too. The decoder
/// sees the request's head part, to keep its method, and that part stops here; so does the end,
/// the framing having been decided already.
final class UpstreamRequestWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = IOData

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head, .end: promise?.succeed(())
        case .body(let bytes): context.write(wrapOutboundOut(bytes), promise: promise)
        }
    }
}
