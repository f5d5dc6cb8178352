import Foundation

/// Translates Anthropic Messages requests to OpenAI chat completions and back, for `/v1/messages`
/// served by an OpenAI-compatible (or mock) deployment.
public enum MessagesToChat {
    /// Anthropic messages request → OpenAI chat request.
    public static func request(_ anthropic: JSONValue, upstreamModel: String) throws -> JSONValue {
        guard let messages = anthropic["messages"]?.arrayValue else {
            throw GatewayError.invalidRequest("`messages` must be an array.", param: "messages")
        }
        var chat: [JSONValue] = []
        switch anthropic["system"] {
        case .string(let text)?: chat.append(["role": "system", "content": .string(text)])
        case .array(let blocks)?:
            chat.append(["role": "system", "content": .string(blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n"))])
        default: break
        }
        for (index, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            guard role == "user" || role == "assistant" else {
                throw GatewayError.invalidRequest("Unsupported role `\(role)`.", param: "messages.\(index).role")
            }
            if case .string(let text)? = message["content"] {
                chat.append(["role": .string(role), "content": .string(text)])
                continue
            }
            guard let blocks = message["content"]?.arrayValue else {
                throw GatewayError.invalidRequest("`content` must be a string or an array.", param: "messages.\(index).content")
            }
            var parts: [JSONValue] = []
            var toolCalls: [JSONValue] = []
            for block in blocks {
                switch block["type"]?.stringValue {
                case "text": parts.append(["type": "text", "text": block["text"] ?? ""])
                case "image": parts.append(["type": "image_url", "image_url": ["url": .string(imageURL(block["source"]))]])
                case "tool_use":
                    toolCalls.append([
                        "id": block["id"] ?? "", "type": "function",
                        "function": ["name": block["name"] ?? "", "arguments": .string(JSONCoding.encodeString(block["input"] ?? [:]))],
                    ])
                case "tool_result":
                    let content: String
                    if case .string(let text)? = block["content"] {
                        content = text
                    } else {
                        content = (block["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
                    }
                    chat.append(["role": "tool", "tool_call_id": block["tool_use_id"] ?? "", "content": .string(content)])
                default:
                    throw GatewayError.invalidRequest("Unsupported content block for this model.", param: "messages.\(index).content")
                }
            }
            if parts.isEmpty && toolCalls.isEmpty { continue }
            var converted: JSONValue = ["role": .string(role)]
            let onlyText = parts.allSatisfy { $0["type"]?.stringValue == "text" }
            converted["content"] = onlyText ? .string(parts.compactMap { $0["text"]?.stringValue }.joined()) : .array(parts)
            if !toolCalls.isEmpty { converted["tool_calls"] = .array(toolCalls) }
            chat.append(converted)
        }

        var out: [String: JSONValue] = ["model": .string(upstreamModel), "messages": .array(chat)]
        if let maxTokens = anthropic["max_tokens"] { out["max_tokens"] = maxTokens }
        for key in ["temperature", "top_p", "stream"] where anthropic[key] != nil && anthropic[key] != .null {
            out[key] = anthropic[key]
        }
        if let stops = anthropic["stop_sequences"] { out["stop"] = stops }
        if let user = anthropic["metadata"]?["user_id"] { out["user"] = user }
        if let tools = anthropic["tools"]?.arrayValue {
            out["tools"] = .array(
                tools.map { tool in
                    var function: JSONValue = ["name": tool["name"] ?? "", "parameters": tool["input_schema"] ?? ["type": "object"]]
                    if let description = tool["description"] { function["description"] = description }
                    return ["type": "function", "function": function]
                })
        }
        if let choice = anthropic["tool_choice"] {
            switch choice["type"]?.stringValue {
            case "auto": out["tool_choice"] = "auto"
            case "any": out["tool_choice"] = "required"
            case "none": out["tool_choice"] = "none"
            case "tool": out["tool_choice"] = ["type": "function", "function": ["name": choice["name"] ?? ""]]
            default: break
            }
        }
        return .object(out)
    }

    /// OpenAI chat completion → Anthropic message.
    public static func response(_ chat: JSONValue, model: String) -> JSONValue {
        let choice = chat["choices"]?.arrayValue?.first ?? [:]
        var content: [JSONValue] = []
        let text = ChatToMessages.text(of: choice["message"]?["content"])
        if !text.isEmpty { content.append(["type": "text", "text": .string(text)]) }
        for call in choice["message"]?["tool_calls"]?.arrayValue ?? [] {
            let arguments = call["function"]?["arguments"]?.stringValue ?? "{}"
            content.append([
                "type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "",
                "input": (try? JSONCoding.decode(Array(arguments.utf8))) ?? [:],
            ])
        }
        let usage = Usage(openAI: chat["usage"]) ?? Usage(promptTokens: 0, completionTokens: 0)
        return [
            "id": .string(messageID(from: chat["id"]?.stringValue)),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": .array(content),
            "stop_reason": .string(stopReason(choice["finish_reason"]?.stringValue)),
            "stop_sequence": .null,
            "usage": usage.anthropicJSON,
        ]
    }

    static func stopReason(_ finishReason: String?) -> String {
        switch finishReason {
        case "length": return "max_tokens"
        case "tool_calls", "function_call": return "tool_use"
        case "content_filter": return "refusal"
        default: return "end_turn"
        }
    }

    static func messageID(from id: String?) -> String {
        "msg_" + (id ?? "gatehouse").replacingOccurrences(of: "chatcmpl-", with: "")
    }

    private static func imageURL(_ source: JSONValue?) -> String {
        if source?["type"]?.stringValue == "base64" {
            return "data:\(source?["media_type"]?.stringValue ?? "image/png");base64,\(source?["data"]?.stringValue ?? "")"
        }
        return source?["url"]?.stringValue ?? ""
    }
}
