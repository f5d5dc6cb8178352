/// OpenAI's Responses API request (`POST /v1/responses`) → a chat completions request, which
/// every deployment speaks (Anthropic ones through the chat translation). What the translation
/// cannot carry — built-in tools (`web_search`, `file_search`…), `background`, `conversation` —
/// is refused with 400, never dropped silently.
public enum ResponsesToChat {
    /// Request fields with the same meaning under the same name in chat completions.
    static let sameFields = ["temperature", "top_p", "user", "parallel_tool_calls", "service_tier", "top_logprobs", "safety_identifier"]
    /// Fields that ask for what the translation cannot do. Any other field not read here
    /// (`include`, `truncation`, `prompt_cache_key`…) concerns OpenAI's own service: accepted, not forwarded.
    static let unsupported = ["background", "conversation", "prompt"]

    /// - Parameters:
    ///   - body: the Responses request.
    ///   - history: the messages of `previous_response_id`'s conversation (its input and output).
    /// - Returns: the chat request and the messages this request adds (for the next turn's history).
    public static func request(_ body: JSONValue, history: [JSONValue] = []) throws -> (chat: JSONValue, input: [JSONValue]) {
        for name in unsupported where body[name] != nil && body[name] != .null && body[name] != .bool(false) {
            throw GatewayError.invalidRequest("`\(name)` is not supported by Gatehouse's Responses API.", param: name)
        }
        var input: [JSONValue] = []
        switch body["input"] {
        case .string(let text)?: input.append(["role": "user", "content": .string(text)])
        case .array(let items)?: input = try messages(items)
        case nil, .null?: break
        default: throw GatewayError.invalidRequest("`input` must be a string or a list of items.", param: "input")
        }
        var messages = history
        if let instructions = body["instructions"]?.stringValue {
            // Instructions hold for this turn only: they come first and are not kept in the history.
            messages.insert(["role": "system", "content": .string(instructions)], at: 0)
        }
        messages += input
        guard !messages.isEmpty else { throw GatewayError.invalidRequest("`input` is required.", param: "input") }
        var chat: JSONValue = ["model": body["model"] ?? .null, "messages": .array(messages)]
        for name in sameFields where body[name] != nil { chat[name] = body[name] }
        if let limit = body["max_output_tokens"], limit != .null { chat["max_tokens"] = limit }
        if let effort = body["reasoning"]?["effort"], effort != .null { chat["reasoning_effort"] = effort }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty { chat["tools"] = .array(try tools.map(tool)) }
        if let choice = body["tool_choice"], choice != .null { chat["tool_choice"] = try toolChoice(choice) }
        if let format = body["text"]?["format"], format != .null, let responseFormat = try self.responseFormat(format) {
            chat["response_format"] = responseFormat
        }
        if body["stream"]?.boolValue == true { chat["stream"] = true }
        return (chat, input)
    }

    /// Input items → chat messages; consecutive function calls become one assistant message.
    static func messages(_ items: [JSONValue]) throws -> [JSONValue] {
        var messages: [JSONValue] = []
        for item in items {
            switch item["type"]?.stringValue ?? "message" {
            case "message":
                guard let role = item["role"]?.stringValue, ["user", "assistant", "system", "developer"].contains(role) else {
                    throw GatewayError.invalidRequest("An input message needs a `role` of user, assistant, system or developer.", param: "input")
                }
                messages.append(["role": .string(role == "developer" ? "system" : role), "content": try content(item["content"])])
            case "function_call":
                guard let callID = item["call_id"]?.stringValue, let name = item["name"]?.stringValue else {
                    throw GatewayError.invalidRequest("A `function_call` item needs `call_id` and `name`.", param: "input")
                }
                let call: JSONValue = [
                    "id": .string(callID), "type": "function", "function": ["name": .string(name), "arguments": item["arguments"] ?? "{}"],
                ]
                if var last = messages.last, last["role"] == "assistant", case .array(let calls)? = last["tool_calls"] {
                    last["tool_calls"] = .array(calls + [call])
                    messages[messages.count - 1] = last
                } else {
                    messages.append(["role": "assistant", "content": .null, "tool_calls": [call]])
                }
            case "function_call_output":
                guard let callID = item["call_id"]?.stringValue else {
                    throw GatewayError.invalidRequest("A `function_call_output` item needs `call_id`.", param: "input")
                }
                let output = item["output"]?.stringValue ?? JSONCoding.encodeString(item["output"] ?? "")
                messages.append(["role": "tool", "tool_call_id": .string(callID), "content": .string(output)])
            case "reasoning":
                continue  // A model's own reasoning from an earlier turn: chat completions take none.
            case let other:
                throw GatewayError.invalidRequest("Input items of type `\(other)` are not supported.", param: "input")
            }
        }
        return messages
    }

    /// A message's content: a string, or parts (`input_text`, `output_text`, `input_image`).
    static func content(_ content: JSONValue?) throws -> JSONValue {
        switch content {
        case .string(let text)?: return .string(text)
        case .array(let parts)?:
            return .array(
                try parts.map { part in
                    switch part["type"]?.stringValue {
                    case "input_text", "output_text", "text": return ["type": "text", "text": part["text"] ?? ""]
                    case "input_image":
                        guard let url = part["image_url"]?.stringValue else {
                            throw GatewayError.invalidRequest("An `input_image` needs an `image_url` (file ids are not supported).", param: "input")
                        }
                        var image: JSONValue = ["url": .string(url)]
                        if let detail = part["detail"], detail != .null { image["detail"] = detail }
                        return ["type": "image_url", "image_url": image]
                    default:
                        throw GatewayError.invalidRequest(
                            "Content parts of type `\(part["type"]?.stringValue ?? "?")` are not supported.", param: "input")
                    }
                })
        default: throw GatewayError.invalidRequest("A message's `content` must be a string or a list of parts.", param: "input")
        }
    }

    static func tool(_ tool: JSONValue) throws -> JSONValue {
        guard tool["type"]?.stringValue == "function", let name = tool["name"] else {
            throw GatewayError.invalidRequest(
                "Only `function` tools are supported (not `\(tool["type"]?.stringValue ?? "?")`).", param: "tools")
        }
        var function: JSONValue = ["name": name]
        for field in ["description", "parameters", "strict"] where tool[field] != nil && tool[field] != .null { function[field] = tool[field] }
        return ["type": "function", "function": function]
    }

    static func toolChoice(_ choice: JSONValue) throws -> JSONValue {
        if case .string = choice { return choice }
        guard choice["type"]?.stringValue == "function", let name = choice["name"] else {
            throw GatewayError.invalidRequest("`tool_choice` must be auto, none, required or a function.", param: "tool_choice")
        }
        return ["type": "function", "function": ["name": name]]
    }

    /// `text.format` → `response_format` (nil for plain text).
    static func responseFormat(_ format: JSONValue) throws -> JSONValue? {
        switch format["type"]?.stringValue {
        case "text": return nil
        case "json_object": return ["type": "json_object"]
        case "json_schema":
            var schema: JSONValue = ["name": format["name"] ?? "response", "schema": format["schema"] ?? [:]]
            if let strict = format["strict"], strict != .null { schema["strict"] = strict }
            return ["type": "json_schema", "json_schema": schema]
        default: throw GatewayError.invalidRequest("`text.format.type` must be text, json_object or json_schema.", param: "text")
        }
    }
}
