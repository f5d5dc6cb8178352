import Foundation

/// What a Responses API answer says besides the model's output: its id, when it was made, the
/// model asked for, and the request's settings it echoes (`instructions`, `tools`,
/// `max_output_tokens`…). `finished` is told the completed response and the assistant's chat
/// message, so that it can be kept for retrieval and for a later `previous_response_id`.
public struct ResponsesShape: Sendable {
    public var id: String
    public var createdAt: Int
    public var model: String
    /// The Responses request as the client sent it.
    public var request: JSONValue
    public var finished: (@Sendable (_ response: JSONValue, _ assistant: JSONValue) -> Void)?

    public init(id: String, createdAt: Int, model: String, request: JSONValue) {
        self.id = id
        self.createdAt = createdAt
        self.model = model
        self.request = request
    }

    /// A response object with the request's settings, `status` and `output`, and `usage` when known.
    func response(status: String, output: [JSONValue], usage: JSONValue? = nil, finishReason: String? = nil) -> JSONValue {
        var response: JSONValue = [
            "id": .string(id), "object": "response", "created_at": JSONValue(createdAt), "status": .string(status), "model": .string(model),
            "output": .array(output), "error": .null, "incomplete_details": .null,
            "instructions": request["instructions"] ?? .null, "max_output_tokens": request["max_output_tokens"] ?? .null,
            "parallel_tool_calls": request["parallel_tool_calls"] ?? true, "previous_response_id": request["previous_response_id"] ?? .null,
            "temperature": request["temperature"] ?? .null, "top_p": request["top_p"] ?? .null,
            "tool_choice": request["tool_choice"] ?? "auto", "tools": request["tools"] ?? [], "metadata": request["metadata"] ?? [:],
            "text": request["text"] ?? ["format": ["type": "text"]], "reasoning": request["reasoning"] ?? .null,
            "store": request["store"] ?? true, "user": request["user"] ?? .null, "usage": usage ?? .null,
        ]
        switch finishReason {
        case "length":
            response["status"] = "incomplete"
            response["incomplete_details"] = ["reason": "max_output_tokens"]
        case "content_filter":
            response["status"] = "incomplete"
            response["incomplete_details"] = ["reason": "content_filter"]
        default: break
        }
        return response
    }

    /// Chat usage in the Responses API's terms.
    static func usage(_ chat: JSONValue?) -> JSONValue? {
        guard let usage = Usage(openAI: chat) else { return nil }
        return [
            "input_tokens": JSONValue(usage.promptTokens), "output_tokens": JSONValue(usage.completionTokens),
            "total_tokens": JSONValue(usage.totalTokens),
            "input_tokens_details": ["cached_tokens": chat?["prompt_tokens_details"]?["cached_tokens"] ?? 0],
            "output_tokens_details": ["reasoning_tokens": chat?["completion_tokens_details"]?["reasoning_tokens"] ?? 0],
        ]
    }

    func messageItem(text: String, status: String) -> JSONValue {
        [
            "type": "message", "id": .string("msg_" + id.dropFirst(5)), "status": .string(status), "role": "assistant",
            "content": status == "in_progress" && text.isEmpty ? [] : [["type": "output_text", "text": .string(text), "annotations": []]],
        ]
    }

    static func functionCallItem(callID: String, name: String, arguments: String, status: String) -> JSONValue {
        [
            "type": "function_call", "id": .string("fc_" + callID), "call_id": .string(callID), "name": .string(name),
            "arguments": .string(arguments), "status": .string(status),
        ]
    }
}

/// A chat completion → a Responses API response.
public enum ChatToResponses {
    public static func response(_ chat: JSONValue, shape: ResponsesShape) -> JSONValue {
        let choice = chat["choices"]?.arrayValue?.first ?? [:]
        let message = choice["message"] ?? [:]
        var output: [JSONValue] = []
        if let text = message["content"]?.stringValue, !text.isEmpty { output.append(shape.messageItem(text: text, status: "completed")) }
        for call in message["tool_calls"]?.arrayValue ?? [] {
            output.append(
                ResponsesShape.functionCallItem(
                    callID: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? "",
                    arguments: call["function"]?["arguments"]?.stringValue ?? "", status: "completed"))
        }
        let response = shape.response(
            status: "completed", output: output, usage: ResponsesShape.usage(chat["usage"]), finishReason: choice["finish_reason"]?.stringValue)
        var assistant: JSONValue = ["role": "assistant", "content": message["content"] ?? .null]
        if let calls = message["tool_calls"] { assistant["tool_calls"] = calls }
        shape.finished?(response, assistant)
        return response
    }
}

/// OpenAI chat chunks → the Responses API's stream: `response.created`, the output items as they
/// start, text and argument deltas, each item done, then `response.completed` with the usage.
public struct ChatToResponsesStream: StreamTranslator {
    public var usage: Usage? { nil }
    let shape: ResponsesShape
    private var sequence = 0
    private var started = false
    private var text = ""
    /// The message item's output index, once it has begun.
    private var messageIndex: Int?
    private var calls: [(index: Int, callID: String, name: String, arguments: String)] = []
    private var outputCount = 0
    private var finishReason: String?
    private var chatUsage: JSONValue?

    public init(shape: ResponsesShape) {
        self.shape = shape
    }

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        guard event.data != "[DONE]", let chunk = try? JSONCoding.decode(Array(event.data.utf8)) else { return [] }
        if let error = chunk["error"] {
            return [emit("error", ["code": error["code"] ?? .null, "message": error["message"] ?? "upstream error", "param": .null])]
        }
        var events = start()
        if let usage = chunk["usage"], usage != .null { chatUsage = usage }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return events }
        let delta = choice["delta"] ?? [:]
        if let piece = delta["content"]?.stringValue, !piece.isEmpty {
            if messageIndex == nil {
                messageIndex = outputCount
                outputCount += 1
                events.append(
                    emit(
                        "response.output_item.added",
                        ["output_index": JSONValue(messageIndex ?? 0), "item": shape.messageItem(text: "", status: "in_progress")]))
                events.append(
                    emit(
                        "response.content_part.added",
                        [
                            "item_id": itemID, "output_index": JSONValue(messageIndex ?? 0), "content_index": 0,
                            "part": ["type": "output_text", "text": "", "annotations": []],
                        ]))
            }
            text += piece
            events.append(
                emit(
                    "response.output_text.delta",
                    ["item_id": itemID, "output_index": JSONValue(messageIndex ?? 0), "content_index": 0, "delta": .string(piece)]))
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            let index = call["index"]?.intValue ?? 0
            let arguments = call["function"]?["arguments"]?.stringValue ?? ""
            if let position = calls.firstIndex(where: { $0.index == index }) {
                calls[position].arguments += arguments
                if !arguments.isEmpty {
                    events.append(
                        emit(
                            "response.function_call_arguments.delta",
                            [
                                "item_id": .string("fc_" + calls[position].callID), "output_index": JSONValue(outputIndex(ofCall: position)),
                                "delta": .string(arguments),
                            ]))
                }
            } else {
                let callID = call["id"]?.stringValue ?? "call_\(index)"
                calls.append((index, callID, call["function"]?["name"]?.stringValue ?? "", arguments))
                outputCount += 1
                events.append(
                    emit(
                        "response.output_item.added",
                        [
                            "output_index": JSONValue(outputCount - 1),
                            "item": ResponsesShape.functionCallItem(
                                callID: callID, name: calls[calls.count - 1].name, arguments: "", status: "in_progress"),
                        ]))
                if !arguments.isEmpty {
                    events.append(
                        emit(
                            "response.function_call_arguments.delta",
                            ["item_id": .string("fc_" + callID), "output_index": JSONValue(outputCount - 1), "delta": .string(arguments)]))
                }
            }
        }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        return events
    }

    public mutating func finish() -> [SSEEvent] {
        var events = start()
        var output: [(Int, JSONValue)] = []
        if let index = messageIndex {
            let item = shape.messageItem(text: text, status: "completed")
            let part: JSONValue = ["type": "output_text", "text": .string(text), "annotations": []]
            events.append(
                emit("response.output_text.done", ["item_id": itemID, "output_index": JSONValue(index), "content_index": 0, "text": .string(text)]))
            events.append(
                emit("response.content_part.done", ["item_id": itemID, "output_index": JSONValue(index), "content_index": 0, "part": part]))
            events.append(emit("response.output_item.done", ["output_index": JSONValue(index), "item": item]))
            output.append((index, item))
        }
        for (position, call) in calls.enumerated() {
            let index = outputIndex(ofCall: position)
            let item = ResponsesShape.functionCallItem(callID: call.callID, name: call.name, arguments: call.arguments, status: "completed")
            events.append(
                emit(
                    "response.function_call_arguments.done",
                    ["item_id": .string("fc_" + call.callID), "output_index": JSONValue(index), "arguments": .string(call.arguments)]))
            events.append(emit("response.output_item.done", ["output_index": JSONValue(index), "item": item]))
            output.append((index, item))
        }
        let response = shape.response(
            status: "completed", output: output.sorted { $0.0 < $1.0 }.map(\.1), usage: ResponsesShape.usage(chatUsage), finishReason: finishReason)
        let completed = response["status"] == "incomplete" ? "response.incomplete" : "response.completed"
        events.append(emit(completed, ["response": response]))
        var assistant: JSONValue = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
        if !calls.isEmpty {
            assistant["tool_calls"] = .array(
                calls.map { call in
                    ["id": .string(call.callID), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                })
        }
        shape.finished?(response, assistant)
        return events
    }

    private var itemID: JSONValue { .string("msg_" + shape.id.dropFirst(5)) }

    /// Where a tool call sits in the output: calls are numbered after the message when the
    /// message began before them (the usual order); otherwise in the order they began.
    private func outputIndex(ofCall position: Int) -> Int {
        guard let messageIndex else { return position }
        return position >= messageIndex ? position + 1 : position
    }

    /// `response.created` and `response.in_progress`, once.
    private mutating func start() -> [SSEEvent] {
        guard !started else { return [] }
        started = true
        let response = shape.response(status: "in_progress", output: [])
        return [emit("response.created", ["response": response]), emit("response.in_progress", ["response": response])]
    }

    private mutating func emit(_ type: String, _ fields: [String: JSONValue]) -> SSEEvent {
        var payload = fields
        payload["type"] = .string(type)
        payload["sequence_number"] = JSONValue(sequence)
        sequence += 1
        return SSEEvent(event: type, data: JSONCoding.encodeString(.object(payload)))
    }
}

/// Two translations in a row (an upstream's dialect to chat chunks, then chat chunks to another
/// shape); its usage is the first's, which reads the upstream.
public struct ComposedStreamTranslator: StreamTranslator {
    var first: any StreamTranslator
    var second: any StreamTranslator

    public init(_ first: any StreamTranslator, then second: any StreamTranslator) {
        self.first = first
        self.second = second
    }

    public var usage: Usage? { first.usage }

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        first.translate(event).flatMap { second.translate($0) }
    }

    public mutating func finish() -> [SSEEvent] {
        first.finish().flatMap { second.translate($0) } + second.finish()
    }
}
