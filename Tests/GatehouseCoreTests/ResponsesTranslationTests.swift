import GatehouseCore
import Synchronization
import Testing

/// The Responses API ↔ chat completions translation, both ways, streams included.
@Suite("Responses API translation")
struct ResponsesTranslationTests {
    static let shape = ResponsesShape(id: "resp_abc", createdAt: 7, model: "gpt", request: ["model": "gpt", "input": "x"])

    @Test func aRequestBecomesAChatRequest() throws {
        let body: JSONValue = [
            "model": "gpt", "instructions": "Be brief.", "max_output_tokens": 64, "temperature": 0.2, "reasoning": ["effort": "low"],
            "text": ["format": ["type": "json_schema", "name": "answer", "schema": ["type": "object"], "strict": true]],
            "tools": [["type": "function", "name": "lookup", "description": "find", "parameters": ["type": "object"]]],
            "tool_choice": ["type": "function", "name": "lookup"], "store": false, "include": ["reasoning.encrypted_content"],
            "input": [
                ["role": "developer", "content": "Use tools."],
                [
                    "role": "user",
                    "content": [["type": "input_text", "text": "What is it?"], ["type": "input_image", "image_url": "https://x/y.png"]],
                ],
                ["type": "function_call", "call_id": "c1", "name": "lookup", "arguments": "{\"q\":1}"],
                ["type": "function_call", "call_id": "c2", "name": "lookup", "arguments": "{\"q\":2}"],
                ["type": "function_call_output", "call_id": "c1", "output": "one"],
                ["type": "reasoning", "summary": []],
            ],
        ]
        let history: [JSONValue] = [["role": "user", "content": "earlier"], ["role": "assistant", "content": "before"]]
        let (chat, input) = try ResponsesToChat.request(body, history: history)
        let messages = try #require(chat["messages"]?.arrayValue)
        #expect(messages.first == ["role": "system", "content": "Be brief."])
        #expect(Array(messages[1...2]) == history)
        #expect(messages[3] == ["role": "system", "content": "Use tools."])
        #expect(messages[4]["content"]?.arrayValue?.last == ["type": "image_url", "image_url": ["url": "https://x/y.png"]])
        // Consecutive calls are one assistant message; their output answers by call id.
        #expect(messages[5]["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["c1", "c2"])
        #expect(messages[6] == ["role": "tool", "tool_call_id": "c1", "content": "one"])
        #expect(messages.count == 7 && input.count == 4)
        #expect(chat["max_tokens"] == 64 && chat["temperature"] == 0.2 && chat["reasoning_effort"] == "low")
        #expect(chat["response_format"] == ["type": "json_schema", "json_schema": ["name": "answer", "schema": ["type": "object"], "strict": true]])
        #expect(chat["tools"] == [["type": "function", "function": ["name": "lookup", "description": "find", "parameters": ["type": "object"]]]])
        #expect(chat["tool_choice"] == ["type": "function", "function": ["name": "lookup"]])
        #expect(chat["store"] == nil && chat["include"] == nil && chat["instructions"] == nil)
    }

    @Test func whatCannotBeTranslatedIsRefused() {
        for body: JSONValue in [
            ["model": "gpt", "input": "x", "tools": [["type": "web_search"]]],
            ["model": "gpt", "input": "x", "background": true],
            ["model": "gpt", "input": [["type": "file_search_call"]]],
            ["model": "gpt", "input": [["role": "user", "content": [["type": "input_file", "file_id": "f"]]]]],
            ["model": "gpt", "input": 7],
            ["model": "gpt"],
        ] {
            #expect(throws: GatewayError.self) { try ResponsesToChat.request(body) }
        }
    }

    @Test func aChatCompletionBecomesAResponse() {
        let kept = Mutex<JSONValue?>(nil)
        var shape = Self.shape
        shape.finished = { _, assistant in kept.withLock { $0 = assistant } }
        let chat: JSONValue = [
            "choices": [
                [
                    "message": [
                        "role": "assistant", "content": "Looking.",
                        "tool_calls": [["id": "c9", "type": "function", "function": ["name": "lookup", "arguments": "{}"]]],
                    ], "finish_reason": "length",
                ]
            ],
            "usage": ["prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14, "prompt_tokens_details": ["cached_tokens": 3]],
        ]
        let response = ChatToResponses.response(chat, shape: shape)
        #expect(response["id"] == "resp_abc" && response["object"] == "response" && response["status"] == "incomplete")
        #expect(response["incomplete_details"] == ["reason": "max_output_tokens"])
        let output = response["output"]?.arrayValue ?? []
        #expect(output.map { $0["type"] } == ["message", "function_call"])
        #expect(output[0]["content"]?.arrayValue?.first?["text"] == "Looking." && output[1]["call_id"] == "c9")
        #expect(response["usage"]?["input_tokens"] == 10 && response["usage"]?["input_tokens_details"]?["cached_tokens"] == 3)
        #expect(kept.withLock { $0 }?["tool_calls"]?.arrayValue?.first?["id"] == "c9")
    }

    @Test func aChatStreamBecomesResponseEvents() throws {
        var stream = ChatToResponsesStream(shape: Self.shape)
        func chunk(_ delta: JSONValue, finish: String? = nil, usage: JSONValue? = nil) -> SSEEvent {
            var chunk: JSONValue = ["choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]]]
            if let usage { chunk = ["choices": [], "usage": usage] }
            return SSEEvent(data: JSONCoding.encodeString(chunk))
        }
        var events = stream.translate(chunk(["role": "assistant", "content": ""]))
        events += stream.translate(chunk(["content": "Hel"]))
        events += stream.translate(chunk(["content": "lo"]))
        events += stream.translate(chunk(["tool_calls": [["index": 0, "id": "c1", "function": ["name": "f", "arguments": "{\"a\""]]]]))
        events += stream.translate(chunk(["tool_calls": [["index": 0, "function": ["arguments": ":1}"]]]], finish: "tool_calls"))
        events += stream.translate(chunk([:], usage: ["prompt_tokens": 5, "completion_tokens": 2]))
        events += stream.translate(SSEEvent(data: "[DONE]"))
        events += stream.finish()
        let payloads = try events.map { try JSONCoding.decode(Array($0.data.utf8)) }
        #expect(
            events.compactMap(\.event) == [
                "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed",
            ])
        #expect(payloads.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
        #expect(payloads[12]["arguments"] == "{\"a\":1}" && payloads[12]["output_index"] == 1)
        let completed = try #require(payloads.last?["response"])
        #expect(completed["status"] == "completed" && completed["usage"]?["total_tokens"] == 7)
        #expect(completed["output"]?.arrayValue?.map { $0["type"] } == ["message", "function_call"])
        #expect(completed["output"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"] == "Hello")
    }
}
