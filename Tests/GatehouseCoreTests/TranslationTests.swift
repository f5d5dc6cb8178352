import GatehouseCore
import Testing

@Suite("OpenAI ↔ Anthropic translation")
struct TranslationTests {
    @Test func chatRequestBecomesMessagesRequest() throws {
        let chat: JSONValue = [
            "model": "claude", "max_tokens": 50, "temperature": 0.5, "stop": "END", "user": "u1",
            "messages": [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "What is the weather?"],
                [
                    "role": "assistant", "content": .null,
                    "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "weather", "arguments": #"{"city":"Paris"}"#]]],
                ],
                ["role": "tool", "tool_call_id": "call_1", "content": "sunny"],
            ],
            "tools": [["type": "function", "function": ["name": "weather", "description": "d", "parameters": ["type": "object"]]]],
            "tool_choice": "required",
        ]
        let out = try ChatToMessages.request(chat, upstreamModel: "claude-sonnet-4-5")
        #expect(out["model"] == "claude-sonnet-4-5")
        #expect(out["system"] == "Be brief.")
        #expect(out["max_tokens"] == 50)
        #expect(out["temperature"] == 0.5)
        #expect(out["stop_sequences"] == ["END"])
        #expect(out["metadata"] == ["user_id": "u1"])
        #expect(out["tool_choice"] == ["type": "any"])
        #expect(out["tools"] == [["name": "weather", "description": "d", "input_schema": ["type": "object"]]])
        let messages = try #require(out["messages"]?.arrayValue)
        #expect(messages.count == 3)
        #expect(messages[0] == ["role": "user", "content": [["type": "text", "text": "What is the weather?"]]])
        #expect(messages[1]["content"] == [["type": "tool_use", "id": "call_1", "name": "weather", "input": ["city": "Paris"]]])
        #expect(messages[2]["content"] == [["type": "tool_result", "tool_use_id": "call_1", "content": "sunny"]])
    }

    @Test func maxTokensDefaultsBecauseAnthropicRequiresIt() throws {
        let out = try ChatToMessages.request(["messages": [["role": "user", "content": "hi"]]], upstreamModel: "c")
        #expect(out["max_tokens"] == JSONValue(ChatToMessages.defaultMaxTokens))
    }

    @Test func messagesResponseBecomesChatCompletion() {
        let message: JSONValue = [
            "id": "msg_1", "type": "message", "role": "assistant",
            "content": [["type": "text", "text": "Hello"], ["type": "tool_use", "id": "t1", "name": "f", "input": ["a": 1]]],
            "stop_reason": "tool_use", "usage": ["input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 5],
        ]
        let chat = ChatToMessages.response(message, model: "claude", created: 7)
        #expect(chat["object"] == "chat.completion")
        #expect(chat["model"] == "claude")
        let choice = chat["choices"]?.arrayValue?.first
        #expect(choice?["finish_reason"] == "tool_calls")
        #expect(choice?["message"]?["content"] == "Hello")
        #expect(choice?["message"]?["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == #"{"a":1}"#)
        #expect(chat["usage"] == ["prompt_tokens": 15, "completion_tokens": 3, "total_tokens": 18])
    }

    @Test func messagesRequestBecomesChatRequest() throws {
        let request: JSONValue = [
            "model": "m", "max_tokens": 20, "system": [["type": "text", "text": "sys"]], "stop_sequences": ["x"],
            "messages": [
                ["role": "user", "content": "hi"],
                ["role": "assistant", "content": [["type": "tool_use", "id": "t1", "name": "f", "input": [:]]]],
                ["role": "user", "content": [["type": "tool_result", "tool_use_id": "t1", "content": "42"]]],
            ],
            "tool_choice": ["type": "tool", "name": "f"],
        ]
        let chat = try MessagesToChat.request(request, upstreamModel: "gpt")
        let messages = try #require(chat["messages"]?.arrayValue)
        #expect(messages[0] == ["role": "system", "content": "sys"])
        #expect(messages[1] == ["role": "user", "content": "hi"])
        #expect(messages[2]["tool_calls"]?.arrayValue?.first?["id"] == "t1")
        #expect(messages[3] == ["role": "tool", "tool_call_id": "t1", "content": "42"])
        #expect(chat["stop"] == ["x"])
        #expect(chat["max_tokens"] == 20)
        #expect(chat["tool_choice"] == ["type": "function", "function": ["name": "f"]])
    }

    @Test func chatResponseBecomesMessage() {
        let chat: JSONValue = [
            "id": "chatcmpl-9", "choices": [["index": 0, "message": ["role": "assistant", "content": "ok"], "finish_reason": "length"]],
            "usage": ["prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6],
        ]
        let message = MessagesToChat.response(chat, model: "gpt")
        #expect(message["id"] == "msg_9")
        #expect(message["content"] == [["type": "text", "text": "ok"]])
        #expect(message["stop_reason"] == "max_tokens")
        #expect(message["usage"] == ["input_tokens": 4, "output_tokens": 2])
    }

    @Test func badMessagesAreInvalidRequests() {
        #expect(throws: GatewayError.self) { try ChatToMessages.request(["messages": "x"], upstreamModel: "c") }
        #expect(throws: GatewayError.self) { try MessagesToChat.request(["messages": [["role": "system", "content": "x"]]], upstreamModel: "c") }
    }
}

@Suite("Stream translation")
struct StreamTranslationTests {
    func decode(_ event: SSEEvent) throws -> JSONValue { try JSONCoding.decode(Array(event.data.utf8)) }

    @Test func openAIPassthroughHidesTheUsageChunkUnlessAsked() {
        let usageChunk = SSEEvent(data: #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#)
        let content = SSEEvent(data: #"{"choices":[{"delta":{"content":"hi"}}],"usage":null}"#)
        var hidden = OpenAIStreamPassthrough(clientWantsUsage: false)
        #expect(hidden.translate(content) == [content])
        #expect(hidden.translate(usageChunk).isEmpty)
        #expect(hidden.usage == Usage(promptTokens: 3, completionTokens: 2))
        var shown = OpenAIStreamPassthrough(clientWantsUsage: true)
        #expect(shown.translate(usageChunk) == [usageChunk])
    }

    /// The stream's path appends to the events it already holds, as each translator's
    /// `translate(_:)` returns them: the passthroughs' own and the default alike.
    @Test func translatingIntoAnArrayAppendsWhatTranslateReturns() {
        let earlier = SSEEvent(data: "earlier")
        let usageChunk = SSEEvent(data: #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#)
        let content = SSEEvent(data: #"{"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}"#)
        let start = SSEEvent(event: "message_start", data: #"{"type":"message_start","message":{"usage":{"input_tokens":7}}}"#)
        // Compared by name and JSON value: a translator that builds its events writes an
        // object's members in no set order.
        func same(_ a: [SSEEvent], _ b: [SSEEvent]) -> Bool {
            a.count == b.count
                && zip(a, b).allSatisfy { x, y in
                    guard x.event == y.event else { return false }
                    if let first = try? JSONCoding.decode(Array(x.data.utf8)), let second = try? JSONCoding.decode(Array(y.data.utf8)) {
                        return first == second
                    }
                    return x.data == y.data
                }
        }
        func check(_ make: () -> any StreamTranslator, _ events: [SSEEvent]) {
            var returning = make()
            var appending = make()
            for event in events {
                var into = [earlier]
                appending.translate(event, into: &into)
                let returned = returning.translate(event)
                #expect(same(into, [earlier] + returned), "\(into) against \(returned)")
            }
            #expect(appending.usage == returning.usage)
        }
        check({ OpenAIStreamPassthrough(clientWantsUsage: false) }, [content, usageChunk])
        check({ OpenAIStreamPassthrough(clientWantsUsage: true) }, [content, usageChunk])
        check({ AnthropicStreamPassthrough() }, [start, SSEEvent(event: "ping", data: "{}")])
        check({ ChatToAnthropicStream(model: "m") }, [content, usageChunk])
    }

    /// A chunk with usage that still carries choices is the client's to see, asked or not; an
    /// invalid one passes untouched and counts nothing.
    @Test func openAIPassthroughReadsUsageBesideChoices() {
        let both = SSEEvent(
            data: #"{"id":"c","choices":[{"delta":{"content":"hi"}}],"usage":{"prompt_tokens":4,"completion_tokens":1},"x":[1,{"y":null}]}"#)
        var translator = OpenAIStreamPassthrough(clientWantsUsage: false)
        #expect(translator.translate(both) == [both])
        #expect(translator.usage == Usage(promptTokens: 4, completionTokens: 1))
        let invalid = SSEEvent(data: #"{"choices":[],"usage":{"prompt_tokens":4},"x":tru}"#)
        var other = OpenAIStreamPassthrough(clientWantsUsage: false)
        #expect(other.translate(invalid) == [invalid])
        #expect(other.usage == nil)
    }

    /// Anthropic to Anthropic: events pass untouched; input tokens come from `message_start`,
    /// output tokens from the last `message_delta`.
    @Test func anthropicPassthroughReadsUsageFromStartAndDelta() {
        var translator = AnthropicStreamPassthrough()
        let events = [
            SSEEvent(
                event: "message_start",
                data: #"{"type":"message_start","message":{"id":"msg_1","content":[],"usage":{"input_tokens":12,"output_tokens":1}}}"#),
            SSEEvent(event: "content_block_delta", data: #"{"type":"content_block_delta","usage":{"output_tokens":99}}"#),
            SSEEvent(event: "message_delta", data: #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}"#),
        ]
        for event in events { #expect(translator.translate(event) == [event]) }
        #expect(translator.usage == Usage(promptTokens: 12, completionTokens: 5))
    }

    @Test func anthropicStreamBecomesChatChunks() throws {
        var translator = AnthropicToChatStream(model: "claude", clientWantsUsage: true, created: 1)
        var out: [SSEEvent] = []
        let upstream: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("ping", #"{"type":"ping"}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        for (name, data) in upstream { out += translator.translate(SSEEvent(event: name, data: data)) }
        out += translator.finish()
        #expect(out.last == SSEEvent(data: "[DONE]"))
        let chunks = try out.dropLast().map(decode)
        #expect(chunks[0]["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
        let text = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "Hello")
        #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"] == "stop" })
        #expect(chunks.last?["usage"] == ["prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17])
        #expect(chunks.allSatisfy { $0["id"] == "chatcmpl-msg_1" && $0["model"] == "claude" })
        #expect(translator.usage == Usage(promptTokens: 12, completionTokens: 5))
    }

    @Test func chatChunksBecomeAnthropicEvents() throws {
        var translator = ChatToAnthropicStream(model: "gpt")
        var out: [SSEEvent] = []
        for data in [
            #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hi"}}]}"#,
            #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
            #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
            #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":9}}"#,
            "[DONE]",
        ] {
            out += translator.translate(SSEEvent(data: data))
        }
        #expect(
            out.map(\.event) == [
                "message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
            ])
        let delta = try decode(out[8])
        #expect(delta["delta"]?["stop_reason"] == "tool_use")
        #expect(delta["usage"]?["output_tokens"] == 9)
        #expect(try decode(out[4])["content_block"]?["name"] == "f")
        #expect(translator.finish().isEmpty)
    }
}

@Suite("Usage detection in OpenAI chunks")
struct UsageDetectionTests {
    @Test(arguments: [
        (#"{"choices":[],"usage":{"prompt_tokens":1}}"#, true),
        (#"{"usage" : { "prompt_tokens":1}}"#, true),
        (#"{"choices":[{"delta":{"content":"x"}}],"usage":null}"#, false),
        (#"{"choices":[{"delta":{"content":"\"usage\" is a word"}}]}"#, false),
        (#"{"choices":[{"delta":{"content":"usage"}}]}"#, false),
        // Cut short where the scan looks past the key: nothing is read beyond the end.
        (#"{"x":"a","usage""#, false), (#"{"x":"a","usage" :"#, false), (#""usage""#, false), ("", false),
    ])
    func findsUsageObjectsOnly(data: String, expected: Bool) {
        var translator = OpenAIStreamPassthrough(clientWantsUsage: false)
        let out = translator.translate(SSEEvent(data: data))
        #expect((translator.usage != nil) == expected)
        // A chunk with usage and no choices is the usage-only chunk, hidden from a client that did not ask.
        #expect(out.isEmpty == expected)
    }
}
