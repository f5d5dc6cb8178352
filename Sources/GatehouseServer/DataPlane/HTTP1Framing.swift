import HTTPTypes
import NIOCore

/// The data plane's answers as HTTP/1.1 bytes, written below NIO's response encoder: a complete
/// answer leaves as one buffer (status line, fields, body), a streamed chunk as one buffer with its
/// chunked framing — where the encoder made three writes of each, through two more handlers and a
/// conversion of every field into NIO's header type.
///
/// The bytes are those the encoder wrote: HTTP/1.1, the status and its reason phrase, the fields as
/// given (swift-http-types admits only legal names and values), and the framing decided here
/// alone: any `Content-Length` or `Transfer-Encoding` in the head is dropped for the one that
/// describes the body actually sent; an answer whose status has no body (204, 304) gets neither.
/// `Date` and `Connection: close`, when given, are written here too, in place of any the head
/// has: set in the head's fields, each would be a search of every field (and, on a head whose
/// fields are shared, a copy of them all).
enum HTTP1Framing {
    /// How an answer's body follows its head.
    enum Length {
        /// Exactly this many bytes (`Content-Length`).
        case fixed(Int)
        /// Chunks, then the last chunk (`Transfer-Encoding: chunked`).
        case chunked
    }

    /// A body at most this large is copied into its head's buffer (one write); a larger one is
    /// written after it as it is (two writes, no copy).
    static let copiedBodyBytes = 16 * 1024
    /// The chunked body's end, with no trailers.
    static let lastChunk: StaticString = "0\r\n\r\n"
    /// What ends a chunk's bytes.
    static let chunkEnd: StaticString = "\r\n"
    /// The most a chunk's framing adds: its size (16 hexadecimal digits at most) and two line ends.
    static let chunkFramingBytes = 20

    /// Whether an answer with this status carries a body at all (RFC 9110: not 1xx, 204, 304).
    static func hasBody(_ status: HTTPResponse.Status) -> Bool {
        status.kind != .informational && status.code != 204 && status.code != 304
    }

    /// Writes the status line and fields, then `Date` and `Connection: close` when given, then the
    /// framing field for `length` (none when the status has no body), then the empty line.
    /// - Parameters:
    ///   - date: the `Date` field's value, in place of any the head has.
    ///   - close: whether the connection closes after this answer (`Connection: close`, in place of
    ///     any `Connection` field the head has).
    static func writeHead(_ head: HTTPResponse, length: Length, date: String? = nil, close: Bool = false, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 ")
        writeStatusCode(head.status.code, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        // By position, each part read where it lies: a field taken whole (as a loop over the
        // fields takes it) is copied, each of its texts retained and released again.
        let fields = head.headerFields
        for index in fields.indices {
            if skipped(fields[index].name, date: date != nil, close: close) { continue }
            buffer.writeString(fields[index].name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(fields[index].value)
            buffer.writeStaticString("\r\n")
        }
        if let date {
            buffer.writeStaticString("date: ")
            buffer.writeString(date)
            buffer.writeStaticString("\r\n")
        }
        if close { buffer.writeStaticString("connection: close\r\n") }
        if hasBody(head.status) {
            switch length {
            case .fixed(let count):
                buffer.writeStaticString("content-length: ")
                buffer.writeString(String(count))
                buffer.writeStaticString("\r\n")
            case .chunked:
                buffer.writeStaticString("transfer-encoding: chunked\r\n")
            }
        }
        buffer.writeStaticString("\r\n")
    }

    /// Whether a field of the head is left out: the framing fields (decided here), and `Date` and
    /// `Connection` when they are written here.
    private static func skipped(_ name: borrowing HTTPField.Name, date: Bool, close: Bool) -> Bool {
        name == .contentLength || name == .transferEncoding || (date && name == .date) || (close && name == .connection)
    }

    /// One chunk of a chunked body: its size in hexadecimal, the bytes, the line end. An empty
    /// chunk would end the body, so the caller writes none.
    static func writeChunk(_ chunk: ByteBuffer, into buffer: inout ByteBuffer) {
        writeChunkSize(chunk.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(chunk)
        buffer.writeStaticString(chunkEnd)
    }

    /// A chunk's first line: its size in hexadecimal.
    static func writeChunkSize(_ count: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(count, radix: 16))
        buffer.writeStaticString("\r\n")
    }

    /// The three digits of a status code (swift-http-types keeps it within 100...999).
    private static func writeStatusCode(_ code: Int, into buffer: inout ByteBuffer) {
        let code = min(max(code, 100), 999)
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
    }
}
