/// OpenAI upstream stream → Anthropic Messages stream events.
public struct ChatToAnthropicStream: StreamTranslator {
    public private(set) var usage: Usage?
    private let model: String
    private var started = false
    private var finished = false
    private var blockIndex = -1
    private var openBlock: OpenBlock?
    private var stopReason = "end_turn"

    private enum OpenBlock: Equatable {
        case text
        case tool(Int)
    }

    public init(model: String) {
        self.model = model
    }

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        if event.data == "[DONE]" { return finish() }
        guard let chunk = try? JSONCoding.decode(Array(event.data.utf8)) else { return [] }
        var events: [SSEEvent] = []
        if let error = chunk["error"] {
            return [emit("error", ["type": "error", "error": ["type": "api_error", "message": error["message"] ?? ""]])]
        }
        if !started {
            started = true
            events.append(
                emit(
                    "message_start",
                    [
                        "type": "message_start",
                        "message": [
                            "id": .string(MessagesToChat.messageID(from: chunk["id"]?.stringValue)), "type": "message", "role": "assistant",
                            "model": .string(model), "content": [], "stop_reason": .null, "stop_sequence": .null,
                            "usage": ["input_tokens": 0, "output_tokens": 0],
                        ],
                    ]))
        }
        if let found = Usage(openAI: chunk["usage"]) { usage = found }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return events }
        let delta = choice["delta"] ?? [:]
        if let text = delta["content"]?.stringValue, !text.isEmpty {
            if openBlock != .text {
                closeBlock(into: &events)
                open(.text, block: ["type": "text", "text": ""], into: &events)
            }
            events.append(
                emit(
                    "content_block_delta",
                    ["type": "content_block_delta", "index": JSONValue(blockIndex), "delta": ["type": "text_delta", "text": .string(text)]]))
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            let index = call["index"]?.intValue ?? 0
            if openBlock != .tool(index) {
                closeBlock(into: &events)
                open(
                    .tool(index), block: ["type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": [:]],
                    into: &events)
            }
            if let arguments = call["function"]?["arguments"]?.stringValue, !arguments.isEmpty {
                events.append(
                    emit(
                        "content_block_delta",
                        [
                            "type": "content_block_delta", "index": JSONValue(blockIndex),
                            "delta": ["type": "input_json_delta", "partial_json": .string(arguments)],
                        ]))
            }
        }
        if let reason = choice["finish_reason"]?.stringValue {
            stopReason = MessagesToChat.stopReason(reason)
        }
        return events
    }

    public mutating func finish() -> [SSEEvent] {
        guard started, !finished else { return [] }
        finished = true
        var events: [SSEEvent] = []
        closeBlock(into: &events)
        events.append(
            emit(
                "message_delta",
                [
                    "type": "message_delta", "delta": ["stop_reason": .string(stopReason), "stop_sequence": .null],
                    "usage": ["input_tokens": JSONValue(usage?.promptTokens ?? 0), "output_tokens": JSONValue(usage?.completionTokens ?? 0)],
                ]))
        events.append(emit("message_stop", ["type": "message_stop"]))
        return events
    }

    private mutating func open(_ block: OpenBlock, block json: JSONValue, into events: inout [SSEEvent]) {
        blockIndex += 1
        openBlock = block
        events.append(emit("content_block_start", ["type": "content_block_start", "index": JSONValue(blockIndex), "content_block": json]))
    }

    private mutating func closeBlock(into events: inout [SSEEvent]) {
        guard openBlock != nil else { return }
        openBlock = nil
        events.append(emit("content_block_stop", ["type": "content_block_stop", "index": JSONValue(blockIndex)]))
    }

    private func emit(_ name: String, _ payload: JSONValue) -> SSEEvent {
        SSEEvent(event: name, data: JSONCoding.encodeString(payload))
    }
}
