import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatehouseServer

/// The bytes the data plane writes for its answers, below NIO's encoder.
@Suite("HTTP/1.1 framing of the data plane's answers")
struct HTTP1FramingTests {
    @Test func aCompleteAnswerCarriesItsFieldsOnceAndTheLengthOfWhatIsSent() {
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = "application/json"
        // Framing fields a route set are dropped for the one that describes the body sent.
        head.headerFields[.contentLength] = "999"
        head.headerFields[.transferEncoding] = "chunked"
        head.headerFields.append(HTTPField(name: HTTPField.Name("X-Gatehouse-Deployment")!, value: "a b"))
        var bytes = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .fixed(5), into: &bytes)
        #expect(
            String(buffer: bytes)
                == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Gatehouse-Deployment: a b\r\ncontent-length: 5\r\n\r\n")
    }

    /// `Date` and `Connection: close` are written by the framing, in place of any the route set.
    @Test func theDateAndTheConnectionsEndAreWrittenInPlaceOfTheHeads() {
        var head = HTTPResponse(status: .ok)
        head.headerFields[.date] = "Thu, 01 Jan 1970 00:00:00 GMT"
        head.headerFields[.connection] = "keep-alive"
        head.headerFields[.contentType] = "application/json"
        let date = "Sun, 06 Dec 2026 13:00:00 GMT"
        var closing = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .fixed(2), date: date, close: true, into: &closing)
        #expect(
            String(buffer: closing)
                == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ndate: \(date)\r\nconnection: close\r\ncontent-length: 2\r\n\r\n")
        // Kept open: the route's `Connection` field goes out as it was, the date is still ours.
        var open = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .chunked, date: date, close: false, into: &open)
        #expect(
            String(buffer: open)
                == "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Type: application/json\r\ndate: \(date)\r\ntransfer-encoding: chunked\r\n\r\n"
        )
    }

    @Test func aStreamedAnswerIsChunked() {
        var head = HTTPResponse(status: .tooManyRequests)
        head.headerFields[.contentLength] = "10"
        var bytes = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .chunked, into: &bytes)
        #expect(String(buffer: bytes) == "HTTP/1.1 429 Too Many Requests\r\ntransfer-encoding: chunked\r\n\r\n")
    }

    @Test(arguments: [204, 304])
    func anAnswerWhoseStatusHasNoBodyHasNoFraming(code: Int) {
        var head = HTTPResponse(status: .init(code: code))
        head.headerFields[.contentLength] = "3"
        for length in [HTTP1Framing.Length.fixed(0), .chunked] {
            var bytes = ByteBuffer()
            HTTP1Framing.writeHead(head, length: length, into: &bytes)
            #expect(!String(buffer: bytes).lowercased().contains("content-length"))
            #expect(!String(buffer: bytes).lowercased().contains("transfer-encoding"))
        }
        #expect(!HTTP1Framing.hasBody(head.status))
        #expect(HTTP1Framing.hasBody(.ok) && HTTP1Framing.hasBody(.notFound))
    }

    @Test func aChunkIsItsSizeInHexadecimalItsBytesAndALineEnd() {
        var bytes = ByteBuffer()
        HTTP1Framing.writeChunk(ByteBuffer(string: String(repeating: "x", count: 26)), into: &bytes)
        #expect(String(buffer: bytes) == "1a\r\n" + String(repeating: "x", count: 26) + "\r\n")
    }

    /// What is written reads back, through NIO's own HTTP/1.1 client decoder, as the answer given:
    /// the status, every field, the body (whole, and in chunks).
    @Test func whatIsWrittenReadsBackAsTheSameAnswer() throws {
        var head = HTTPResponse(status: .created)
        head.headerFields[.contentType] = "text/event-stream"
        head.headerFields.append(HTTPField(name: HTTPField.Name("x-ratelimit-remaining-requests")!, value: "41"))
        let body = String(repeating: "data: {}\n\n", count: 40)

        var whole = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .fixed(body.utf8.count), into: &whole)
        whole.writeString(body)
        let (wholeHead, wholeBody) = try Self.decode(whole)
        #expect(wholeHead.status.code == 201)
        #expect(wholeHead.headers["content-type"] == ["text/event-stream"])
        #expect(wholeHead.headers["x-ratelimit-remaining-requests"] == ["41"])
        #expect(wholeHead.headers["content-length"] == ["\(body.utf8.count)"])
        #expect(wholeBody == body)

        var chunked = ByteBuffer()
        HTTP1Framing.writeHead(head, length: .chunked, into: &chunked)
        for piece in [String(body.prefix(7)), String(body.dropFirst(7))] { HTTP1Framing.writeChunk(ByteBuffer(string: piece), into: &chunked) }
        chunked.writeStaticString(HTTP1Framing.lastChunk)
        let (chunkedHead, chunkedBody) = try Self.decode(chunked)
        #expect(chunkedHead.headers["transfer-encoding"] == ["chunked"])
        #expect(chunkedBody == body)
    }

    /// One answer's bytes through NIO's client decoder (after the request it answers).
    private static func decode(_ bytes: ByteBuffer) throws -> (HTTPResponseHead, String) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        try channel.writeInbound(bytes)
        var head: HTTPResponseHead?
        var body = ""
        var ended = false
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let value): head = value
            case .body(let chunk): body += String(buffer: chunk)
            case .end: ended = true
            }
        }
        #expect(ended, "the answer ends where its framing says")
        return (try #require(head), body)
    }
}
