/// Translates OpenAI chat completions to the Anthropic Messages API and back, for `/v1/chat/completions`
/// served by an Anthropic deployment.
public enum ChatToMessages {
    public static let defaultMaxTokens = 4096

    /// OpenAI chat request → Anthropic messages request.
    public static func request(_ chat: JSONValue, upstreamModel: String) throws -> JSONValue {
        guard let messages = chat["messages"]?.arrayValue else {
            throw GatewayError.invalidRequest("`messages` must be an array.", param: "messages")
        }
        var system: [String] = []
        var converted: [JSONValue] = []
        for (index, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                system.append(text(of: message["content"]))
            case "user":
                append(role: "user", blocks: try blocks(of: message["content"], at: index), to: &converted)
            case "assistant":
                var content = try blocks(of: message["content"], at: index)
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let arguments = call["function"]?["arguments"]?.stringValue ?? "{}"
                    let input = (try? JSONCoding.decode(Array(arguments.utf8))) ?? [:]
                    content.append([
                        "type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": input,
                    ])
                }
                append(role: "assistant", blocks: content, to: &converted)
            case "tool", "function":
                let result: JSONValue = [
                    "type": "tool_result", "tool_use_id": message["tool_call_id"] ?? "", "content": .string(text(of: message["content"])),
                ]
                append(role: "user", blocks: [result], to: &converted)
            default:
                throw GatewayError.invalidRequest("Unsupported role `\(role)`.", param: "messages[\(index)].role")
            }
        }

        var out: [String: JSONValue] = [
            "model": .string(upstreamModel),
            "messages": .array(converted),
            "max_tokens": chat["max_completion_tokens"] ?? chat["max_tokens"] ?? JSONValue(defaultMaxTokens),
        ]
        if !system.isEmpty { out["system"] = .string(system.joined(separator: "\n\n")) }
        for key in ["temperature", "top_p", "stream"] where chat[key] != nil && chat[key] != .null {
            out[key] = chat[key]
        }
        switch chat["stop"] {
        case .string(let stop): out["stop_sequences"] = [.string(stop)]
        case .array(let stops): out["stop_sequences"] = .array(stops)
        default: break
        }
        if let user = chat["user"]?.stringValue { out["metadata"] = ["user_id": .string(user)] }
        if let tools = chat["tools"]?.arrayValue {
            out["tools"] = .array(
                tools.map { tool in
                    let function = tool["function"] ?? [:]
                    var converted: JSONValue = ["name": function["name"] ?? "", "input_schema": function["parameters"] ?? ["type": "object"]]
                    if let description = function["description"] { converted["description"] = description }
                    return converted
                })
        }
        if let choice = chat["tool_choice"] {
            switch choice {
            case .string("auto"): out["tool_choice"] = ["type": "auto"]
            case .string("required"): out["tool_choice"] = ["type": "any"]
            case .string("none"): out["tool_choice"] = ["type": "none"]
            default:
                if let name = choice["function"]?["name"] { out["tool_choice"] = ["type": "tool", "name": name] }
            }
        }
        return .object(out)
    }

    /// Anthropic message response → OpenAI chat completion.
    public static func response(_ message: JSONValue, model: String, created: Int) -> JSONValue {
        var text = ""
        var toolCalls: [JSONValue] = []
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use":
                toolCalls.append([
                    "id": block["id"] ?? "", "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string(JSONCoding.encodeString(block["input"] ?? [:]))],
                ])
            default: break
            }
        }
        var assistant: JSONValue = ["role": "assistant", "content": .string(text)]
        if !toolCalls.isEmpty { assistant["tool_calls"] = .array(toolCalls) }
        let usage = Usage(anthropic: message["usage"]) ?? Usage(promptTokens: 0, completionTokens: 0)
        return [
            "id": .string("chatcmpl-" + (message["id"]?.stringValue ?? "")),
            "object": "chat.completion",
            "created": JSONValue(created),
            "model": .string(model),
            "choices": [["index": 0, "message": assistant, "finish_reason": .string(finishReason(message["stop_reason"]?.stringValue))]],
            "usage": usage.openAIJSON,
        ]
    }

    static func finishReason(_ stopReason: String?) -> String {
        switch stopReason {
        case "max_tokens": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        default: return "stop"
        }
    }

    /// OpenAI content (string or parts) → Anthropic content blocks.
    private static func blocks(of content: JSONValue?, at index: Int) throws -> [JSONValue] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        case .array(let parts)?:
            return try parts.map { part in
                switch part["type"]?.stringValue {
                case "text": return ["type": "text", "text": part["text"] ?? ""]
                case "image_url":
                    let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                    return imageBlock(url)
                default:
                    throw GatewayError.invalidRequest("Unsupported content part for this model.", param: "messages[\(index)].content")
                }
            }
        default:
            throw GatewayError.invalidRequest("`content` must be a string or an array.", param: "messages[\(index)].content")
        }
    }

    private static func imageBlock(_ url: String) -> JSONValue {
        // data:image/png;base64,XXXX
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","), let semicolon = url.firstIndex(of: ";") {
            let mediaType = String(url[url.index(url.startIndex, offsetBy: 5)..<semicolon])
            return [
                "type": "image",
                "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...]))],
            ]
        }
        return ["type": "image", "source": ["type": "url", "url": .string(url)]]
    }

    /// Anthropic wants alternating roles: consecutive messages of one role are merged.
    private static func append(role: String, blocks: [JSONValue], to messages: inout [JSONValue]) {
        if let last = messages.last, last["role"]?.stringValue == role, case .array(let existing)? = last["content"] {
            messages[messages.count - 1]["content"] = .array(existing + blocks)
        } else {
            messages.append(["role": .string(role), "content": .array(blocks)])
        }
    }

    /// Plain text of an OpenAI content value.
    public static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let text)?: return text
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }
}
