import Foundation

/// Anthropic upstream stream → OpenAI `chat.completion.chunk` events.
public struct AnthropicToChatStream: StreamTranslator {
    public private(set) var usage: Usage?
    private let model: String
    private let created: Int
    private let clientWantsUsage: Bool
    private var id = "chatcmpl-gatehouse"
    private var toolIndex = -1
    private var finished = false

    public init(model: String, clientWantsUsage: Bool, created: Int = Int(Date().timeIntervalSince1970)) {
        self.model = model
        self.clientWantsUsage = clientWantsUsage
        self.created = created
    }

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        guard let payload = try? JSONCoding.decode(Array(event.data.utf8)) else { return [] }
        switch payload["type"]?.stringValue ?? event.event {
        case "message_start":
            id = "chatcmpl-" + (payload["message"]?["id"]?.stringValue ?? "gatehouse")
            usage = Usage(anthropic: payload["message"]?["usage"])
            return [chunk(delta: ["role": "assistant", "content": ""])]
        case "content_block_start":
            guard payload["content_block"]?["type"]?.stringValue == "tool_use" else { return [] }
            toolIndex += 1
            let block = payload["content_block"] ?? [:]
            return [
                chunk(delta: [
                    "tool_calls": [
                        [
                            "index": JSONValue(toolIndex), "id": block["id"] ?? "", "type": "function",
                            "function": ["name": block["name"] ?? "", "arguments": ""],
                        ]
                    ]
                ])
            ]
        case "content_block_delta":
            let delta = payload["delta"] ?? [:]
            switch delta["type"]?.stringValue {
            case "text_delta": return [chunk(delta: ["content": delta["text"] ?? ""])]
            case "input_json_delta":
                return [chunk(delta: ["tool_calls": [["index": JSONValue(toolIndex), "function": ["arguments": delta["partial_json"] ?? ""]]]])]
            default: return []
            }
        case "message_delta":
            if let output = payload["usage"]?["output_tokens"]?.intValue {
                usage = Usage(promptTokens: usage?.promptTokens ?? 0, completionTokens: output)
            }
            let reason = ChatToMessages.finishReason(payload["delta"]?["stop_reason"]?.stringValue)
            return [chunk(delta: [:], finishReason: .string(reason))]
        case "message_stop":
            return finish()
        case "error":
            return [SSEEvent(data: JSONCoding.encodeString(["error": payload["error"] ?? [:]]))]
        default:
            return []
        }
    }

    public mutating func finish() -> [SSEEvent] {
        guard !finished else { return [] }
        finished = true
        var events: [SSEEvent] = []
        if clientWantsUsage, let usage {
            var last = chunkJSON(choices: [])
            last["usage"] = usage.openAIJSON
            events.append(SSEEvent(data: JSONCoding.encodeString(last)))
        }
        events.append(SSEEvent(data: "[DONE]"))
        return events
    }

    private func chunk(delta: JSONValue, finishReason: JSONValue = .null) -> SSEEvent {
        SSEEvent(data: JSONCoding.encodeString(chunkJSON(choices: [["index": 0, "delta": delta, "finish_reason": finishReason]])))
    }

    private func chunkJSON(choices: [JSONValue]) -> JSONValue {
        ["id": .string(id), "object": "chat.completion.chunk", "created": JSONValue(created), "model": .string(model), "choices": .array(choices)]
    }
}
