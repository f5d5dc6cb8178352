import GatehouseCore
import NIOCore
import Synchronization
import Testing

@testable import GatehouseProviders

/// Events split from an upstream body as sent, and the streams that pass them on unread.
@Suite("SSE events passed on as sent")
struct SSEEventFramerTests {
    /// The events `chunks` hold, as the framer hands them out, and what it holds at the end.
    static func frame(_ chunks: [String], maxEventBytes: Int = SSEParser.defaultMaxEventBytes) throws -> (events: [String], rest: String?) {
        var framer = SSEEventFramer(maxEventBytes: maxEventBytes)
        var events: [String] = []
        for chunk in chunks {
            framer.feed(ByteBuffer(string: chunk))
            while let event = try framer.nextEvent() { events.append(String(buffer: event)) }
        }
        return (events, framer.finish().map { String(buffer: $0) })
    }

    /// Every way to cut `text` in two.
    static func cuts(of text: String) -> [[String]] {
        let bytes = Array(text.utf8)
        return (0...bytes.count).map { [String(decoding: bytes[..<$0], as: UTF8.self), String(decoding: bytes[$0...], as: UTF8.self)] }
    }

    @Test func eventsComeOutAsSentWhereverTheChunksAreCut() throws {
        // LF, CRLF and lone-CR line ends, a comment, an event of two data lines, an `event:` line.
        let events = [
            "data: {\"a\":1}\n\n", "event: ping\r\ndata: x\r\n\r\n", ": comment\rdata: y\r\r", "data: one\ndata: two\n\n", "data: [DONE]\n\n",
        ]
        let text = events.joined()
        for chunks in Self.cuts(of: text) {
            let framed = try Self.frame(chunks)
            #expect(framed.events == events, "cut at \(chunks[0].utf8.count)")
            #expect(framed.rest == nil)
        }
        // Byte by byte.
        #expect(try Self.frame(text.map { String($0) }).events == events)
    }

    @Test func aCREndingAChunkWaitsForTheNextByte() throws {
        // The CR is the first half of a CRLF: the event ends after the LF, not at the CR.
        let framed = try Self.frame(["data: a\r\n\r", "\ndata: b\n\n"])
        #expect(framed.events == ["data: a\r\n\r\n", "data: b\n\n"])
        // A CR then something else: a line ended by the CR alone.
        #expect(try Self.frame(["data: a\r", "\r", "data: b\n\n"]).events == ["data: a\r\r", "data: b\n\n"])
    }

    @Test func anEventNotClosedIsWhatIsLeft() throws {
        let framed = try Self.frame(["data: a\n\ndata: b\n", "data: c"])
        #expect(framed.events == ["data: a\n\n"])
        #expect(framed.rest == "data: b\ndata: c")
    }

    @Test func anEventPastItsBoundIsAnError() throws {
        #expect(throws: SSEParser.TooLarge.self) { try Self.frame(["data: " + String(repeating: "x", count: 100)], maxEventBytes: 64) }
        // Its bound is per event: many small events in one chunk are not one large one.
        let many = String(repeating: "data: 0123456789\n\n", count: 20)
        #expect(try Self.frame([many], maxEventBytes: 64).events.count == 20)
    }

    static func passes(_ translator: some StreamTranslator, _ event: String) -> Bool {
        var bytes = Array(event.utf8)
        return bytes.withUnsafeMutableBytes { translator.passesUnread(UnsafeRawBufferPointer($0)) }
    }

    @Test func anOpenAIChunkPassesUnreadUnlessItMayCarryUsage() {
        let translator = OpenAIStreamPassthrough(clientWantsUsage: false)
        for event in [
            "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", "data: {\"choices\":[],\"usage\":null}\n\n",
            "data: {\"usage\" :\tnull,\"x\":1}\n\n", "data: {\"content\":\"usage\"}\n\n", "data: {\"c\":\"say \\\"usage\\\": {\"}\n\n",
            "data: [DONE]\n\n",
        ] {
            #expect(Self.passes(translator, event), "\(event)")
        }
        for event in [
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n", "data: {\"usage\": {}}\n\n",
            // A payload split over data lines: only a parse joins it.
            "data: {\"usage\"\ndata: :{\"prompt_tokens\":1}}\n\n", "data: {\"usage\":\ndata: {\"prompt_tokens\":1}}\n\n",
            "data: {\"usage\":null,\"usage\":{}}\n\n", "data: {\"usage\"",
        ] {
            #expect(!Self.passes(translator, event), "\(event)")
        }
    }

    @Test func anAnthropicEventPassesUnreadUnlessItCarriesUsage() {
        let translator = AnthropicStreamPassthrough()
        #expect(Self.passes(translator, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n"))
        #expect(Self.passes(translator, "event: ping\ndata: {}\n\n"))
        #expect(!Self.passes(translator, "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"))
        #expect(!Self.passes(translator, "event: message_delta\ndata: {}\n\n"))
    }

    /// What the client gets of `chunks` through an OpenAI pass-through stream, and what it reports.
    static func stream(_ chunks: [String], clientWantsUsage: Bool) async throws -> (sent: String, end: StreamEnd?) {
        let ended = Mutex<StreamEnd?>(nil)
        let (body, upstream) = AsyncStream<ByteBuffer>.makeStream()
        for chunk in chunks { upstream.yield(ByteBuffer(string: chunk)) }
        upstream.finish()
        let stream = TranslatedEventStream(
            upstream: UpstreamBody(body), translator: OpenAIStreamPassthrough(clientWantsUsage: clientWantsUsage),
            clientDialect: .openAI, report: StreamReport { end in ended.withLock { $0 = end } })
        var sent = ""
        for try await buffer in stream { sent += String(buffer: buffer) }
        return (sent, ended.withLock { $0 })
    }

    @Test func anOpenAIStreamReachesTheClientAsSentBarTheUsageChunkItDidNotAskFor() async throws {
        let chunks = [
            "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\r\n\r\n",
            ": keep-alive\n\ndata: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n",
        ]
        let usage = "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
        let text = (chunks + [usage, "data: [DONE]\n\n"]).joined()
        for cut in Self.cuts(of: text) {
            let hidden = try await Self.stream(cut, clientWantsUsage: false)
            #expect(hidden.sent == (chunks + ["data: [DONE]\n\n"]).joined(), "cut at \(cut[0].utf8.count)")
            #expect(hidden.end?.usage == Usage(promptTokens: 3, completionTokens: 2))
            #expect(hidden.end?.completed == true)
            #expect(hidden.end?.responseID == "chatcmpl-1")
        }
        let asked = try await Self.stream([text], clientWantsUsage: true)
        // The usage chunk, parsed, goes out as the parser re-encodes it: the same bytes here.
        #expect(asked.sent == text)
        #expect(asked.end?.usage == Usage(promptTokens: 3, completionTokens: 2))
    }

    /// A parsed event ending in a lone CR is not held back for an LF: the events after it, passed
    /// unread, do not overtake it.
    @Test func eventsKeepTheirOrderWhateverTheirLineEnds() async throws {
        let usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\r\r"
        let ended = try await Self.stream([usage + "data: [DONE]\n\n"], clientWantsUsage: true)
        #expect(ended.sent == "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
    }

    @Test func anEventTheUpstreamDidNotCloseIsReadAtTheEnd() async throws {
        let ended = try await Self.stream(
            [
                "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            ],
            clientWantsUsage: true)
        #expect(ended.sent.hasSuffix("\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"))
        #expect(ended.end?.usage == Usage(promptTokens: 1, completionTokens: 1))
    }

    @Test func anOversizedEventEndsTheStreamWithAnError() async throws {
        let huge = "data: {\"choices\":[{\"delta\":{\"content\":\"" + String(repeating: "x", count: SSEParser.defaultMaxEventBytes) + "\"}}]}"
        let ended = try await Self.stream(["data: {\"choices\":[]}\n\n", huge], clientWantsUsage: false)
        #expect(ended.sent.hasPrefix("data: {\"choices\":[]}\n\n"))
        #expect(ended.sent.contains("oversized event"))
        #expect(ended.end?.completed == false)
        // An event before it in the same chunk still reaches the client, before the error.
        let together = try await Self.stream(["data: {\"choices\":[]}\n\n" + huge], clientWantsUsage: false)
        #expect(together.sent.hasPrefix("data: {\"choices\":[]}\n\n"))
        #expect(together.sent.contains("oversized event"))
    }
}
