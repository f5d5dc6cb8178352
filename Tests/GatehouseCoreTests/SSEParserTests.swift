import GatehouseCore
import Testing

@Suite("SSE parsing")
struct SSEParserTests {
    @Test func eventsSplitAcrossChunksAreReassembled() throws {
        var parser = SSEParser()
        var events = try parser.feed(Array("event: message_start\nda".utf8))
        #expect(events.isEmpty)
        events = try parser.feed(Array("ta: {\"a\":1}\n\ndata: second\n".utf8))
        #expect(events == [SSEEvent(event: "message_start", data: #"{"a":1}"#)])
        events = try parser.feed(Array("\n".utf8))
        #expect(events == [SSEEvent(data: "second")])
    }

    @Test func crlfCommentsAndMultiLineData() throws {
        var parser = SSEParser()
        let events = try parser.feed(Array(": keep-alive\r\ndata: one\r\ndata: two\r\n\r\ndata:[DONE]\r\n\r\n".utf8))
        #expect(events == [SSEEvent(data: "one\ntwo"), SSEEvent(data: "[DONE]")])
    }

    @Test func crSplitFromLFAcrossChunks() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: x\r".utf8)).isEmpty)
        #expect(try parser.feed(Array("\n\r\n".utf8)) == [SSEEvent(data: "x")])
    }

    @Test func unterminatedFinalEventIsDeliveredAtFinish() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: tail".utf8)).isEmpty)
        #expect(parser.finish() == SSEEvent(data: "tail"))
    }

    @Test func oversizedEventIsRefused() throws {
        var parser = SSEParser(maxEventBytes: 16)
        #expect(throws: SSEParser.TooLarge.self) { try parser.feed(Array("data: 0123456789012345678901234567890".utf8)) }
    }

    /// A stream feeds one array for all its chunks: each chunk's events are appended.
    @Test func feedingIntoAnArrayAppends() throws {
        var parser = SSEParser()
        var events = [SSEEvent(data: "kept")]
        try parser.feed(Array("data: a\n\nda".utf8), into: &events)
        try parser.feed(Array("ta: b\n\n".utf8), into: &events)
        #expect(events == [SSEEvent(data: "kept"), SSEEvent(data: "a"), SSEEvent(data: "b")])
    }

    /// An upstream that never ends its event, in short lines, is cut off too.
    @Test func anEventOfManyShortLinesIsBoundedToo() throws {
        var parser = SSEParser(maxEventBytes: 16)
        #expect(try parser.feed(Array("data: 0123\ndata: 4567\n".utf8)).isEmpty)
        #expect(throws: SSEParser.TooLarge.self) { try parser.feed(Array("data: 89ab\ndata: cdef\n".utf8)) }
        var lines = SSEParser(maxEventBytes: 16)
        #expect(try lines.feed(Array("data: a\ndata:\ndata: b\n\n".utf8)) == [SSEEvent(data: "a\n\nb")])
    }

    @Test func encodesEachLineOfDataOnItsOwn() {
        #expect(SSEEvent(data: #"{"a":"é 😀"}"#).encoded == "data: {\"a\":\"é 😀\"}\n\n")
        #expect(SSEEvent(event: "ping", data: "a\n\nb\n").encoded == "event: ping\ndata: a\ndata: \ndata: b\ndata: \n\n")
        #expect(SSEEvent(data: "").encoded == "data: \n\n")
        #expect(SSEEvent(data: "e\u{301}\n👍🏽").encoded == "data: e\u{301}\ndata: 👍🏽\n\n")
    }

    @Test func encodingRoundTrips() throws {
        var parser = SSEParser()
        let event = SSEEvent(event: "x", data: "a\nb")
        #expect(try parser.feed(Array(event.encoded.utf8)) == [event])
    }

    /// The pieces `encode` hands out (what goes straight into an answer's buffer) make the wire
    /// form, and the size hint is exact for data without a newline (the buffer is not regrown).
    @Test func encodingInPiecesMakesTheWireForm() {
        let cases: [(SSEEvent, String)] = [
            (SSEEvent(data: #"{"a":"é 😀"}"#), "data: {\"a\":\"é 😀\"}\n\n"),
            (SSEEvent(event: "ping", data: "a\n\nb\n"), "event: ping\ndata: a\ndata: \ndata: b\ndata: \n\n"),
            (SSEEvent(data: ""), "data: \n\n"),
            (SSEEvent(event: "message_start", data: #"{"type":"message_start"}"#), "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"),
        ]
        for (event, wire) in cases {
            var bytes: [UInt8] = []
            event.encode { bytes += $0.utf8 }
            #expect(bytes == Array(wire.utf8))
            if !event.data.contains("\n") { #expect(event.encodedSizeHint == bytes.count) }
        }
    }

    /// A field is `data` or `event` exactly: other names, other cases and longer names are ignored,
    /// and a bare `data` line is data with an empty value (the SSE rules).
    @Test func fieldsAreMatchedByTheirWholeName() throws {
        var parser = SSEParser()
        let text = "Data: a\ndatax: b\ndat: c\nid: 7\nretry: 10\nEVENT: d\nevent:e\ndata:v\n\ndata\n\n"
        #expect(try parser.feed(Array(text.utf8)) == [SSEEvent(event: "e", data: "v"), SSEEvent(data: "")])
    }
}
