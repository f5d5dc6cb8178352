import GatehouseCore
import Testing

@testable import GatehouseProviders

/// A stream's response id, read from its first events' bytes without parsing them.
@Suite("Response ids in streams")
struct ResponseIDTests {
    @Test func theFirstPlainIDIsTaken() {
        #expect(ResponseID.first(in: #"{"id":"chatcmpl-abc","choices":[{"delta":{"tool_calls":[{"id":"call_1"}]}}]}"#.utf8) == "chatcmpl-abc")
        #expect(ResponseID.first(in: #"{"type":"message_start","message":{"id" : "msg_01X","model":"m"}}"#.utf8) == "msg_01X")
        // A key merely ending in `id` is not `id`.
        #expect(ResponseID.first(in: #"{"call_id":"c","id":"resp_9"}"#.utf8) == "resp_9")
    }

    @Test func anythingElseGivesNoID() {
        for text in [#"{"id":7}"#, #"{"id":"with\"escape"}"#, #"{"id":"unterminated"#, "[DONE]", "", #"{"id":""}"#] {
            #expect(ResponseID.first(in: text.utf8) == nil, "\(text)")
        }
        let long = #"{"id":""# + String(repeating: "x", count: 300) + #""}"#
        #expect(ResponseID.first(in: long.utf8) == nil)
        // Only the first 4 KiB of an event are looked at.
        let padding = String(repeating: " ", count: 4090)
        #expect(ResponseID.first(in: (padding + #"{"id":"x"}"#).utf8) == nil)
        #expect(ResponseID.first(in: (String(padding.dropFirst(10)) + #"{"id":"x"}"#).utf8) == "x")
    }

    @Test func aStreamLooksAtThreeEventsAtMost() {
        var id = ResponseID()
        for _ in 0..<3 { id.look(at: SSEEvent(data: #"{"object":"chunk"}"#)) }
        id.look(at: SSEEvent(data: #"{"id":"late"}"#))
        #expect(id.value == nil)
        var known = ResponseID(known: "resp_1")
        known.look(at: SSEEvent(data: #"{"id":"other"}"#))
        #expect(known.value == "resp_1")
    }
}
