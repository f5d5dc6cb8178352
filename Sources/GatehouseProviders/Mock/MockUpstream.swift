public import GatehouseCore
public import NIOCore
import NIOHTTP1
import Synchronization

/// The built-in `mock/…` provider: an in-process OpenAI-compatible server, so the mock runs through
/// the same adapter, routing and streaming code as a real upstream. Replies are deterministic;
/// each has its own `id`, as a real upstream's does.
public struct MockUpstream: UpstreamTransport {
    public let settings: MockSettings
    public let model: String

    public init(model: String, settings: MockSettings) {
        self.model = model
        self.settings = settings
    }

    public func send(_ request: UpstreamRequest, timeouts: UpstreamTimeouts) async throws -> UpstreamResponse {
        if settings.latencyMs > 0 { try await Task.sleep(for: .milliseconds(settings.latencyMs)) }
        if request.url.hasSuffix("/audio/transcriptions") { return transcription(request) }
        let body: JSONValue
        do {
            body = try JSONCoding.decode(request.body.readableBytesView)
        } catch {
            return Self.json(status: 400, GatewayError.invalidRequest("Mock upstream: body is not JSON.").openAIBody)
        }
        if request.url.hasSuffix("/embeddings") { return Self.json(status: 200, embeddings(body)) }
        if request.url.hasSuffix("/moderations") {
            // Nothing is ever flagged, unless the input asks to be.
            let flagged = JSONCoding.encodeString(body["input"] ?? "").contains("flag me")
            return Self.json(
                status: 200,
                ["id": "modr-mock", "model": .string(model), "results": [["flagged": .bool(flagged), "categories": [:], "category_scores": [:]]]])
        }
        if request.url.hasSuffix("/audio/speech") {
            // Not audio: the input back, behind a marker, as the bytes a speech upstream sends.
            let bytes = ByteBuffer(string: "MOCK-AUDIO:" + (body["input"]?.stringValue ?? ""))
            return UpstreamResponse(status: 200, headers: ["content-type": "audio/mpeg"], body: .bytes(bytes))
        }
        if request.url.hasSuffix("/images/generations") {
            let count = min(max(1, body["n"]?.intValue ?? 1), 10)
            let images: [JSONValue] = (1...count).map { ["url": .string("https://mock.invalid/image-\($0).png")] }
            return Self.json(status: 200, ["created": 1_700_000_000, "data": .array(images)])
        }
        let reply = settings.response ?? "You said: \(Self.lastUserText(body))"
        let usage = Usage(
            promptTokens: settings.promptTokens ?? Self.estimateTokens(JSONCoding.encodeString(body["messages"] ?? body["prompt"] ?? "")),
            completionTokens: settings.completionTokens ?? max(1, reply.split(separator: " ").count)
        )
        let isChat = request.url.hasSuffix("/chat/completions")
        let id = "chatcmpl-mock" + Self.idPrefix + String(Self.answered.add(1, ordering: .relaxed).newValue, radix: 36)
        if body["stream"]?.boolValue == true {
            let includeUsage = settings.reportsUsage && body["stream_options"]?["include_usage"]?.boolValue == true
            let events = streamEvents(id: id, reply: reply, usage: includeUsage ? usage : nil, chat: isChat)
            return UpstreamResponse(
                status: 200, headers: ["content-type": "text/event-stream"],
                body: UpstreamBody(PacedSequence(items: events, delayMs: settings.chunkDelayMs))
            )
        }
        let choice: JSONValue =
            isChat
            ? ["index": 0, "message": ["role": "assistant", "content": .string(reply)], "finish_reason": "stop"]
            : ["index": 0, "text": .string(reply), "finish_reason": "stop", "logprobs": .null]
        var answer: JSONValue = [
            "id": .string(id), "object": isChat ? "chat.completion" : "text_completion", "created": 1_700_000_000,
            "model": .string(model), "choices": [choice],
        ]
        if settings.reportsUsage { answer["usage"] = usage.openAIJSON }
        return Self.json(status: 200, answer)
    }

    /// A transcription of the upload: its size in words, one second of audio per 16,000 bytes
    /// (16 kB/s: 8 kHz 16-bit mono), as `json` (with `usage.seconds`) or plain `text`.
    private func transcription(_ request: UpstreamRequest) -> UpstreamResponse {
        let type = request.headers.first { $0.0 == "content-type" }?.1 ?? ""
        guard let form = try? MultipartForm(contentType: type, body: request.body.readableBytesView) else {
            return Self.json(status: 400, GatewayError.invalidRequest("Mock upstream: body is not multipart/form-data.").openAIBody)
        }
        let text = "mock transcript of \(form.fileBytes) bytes"
        if form.value("response_format") == "text" {
            return UpstreamResponse(status: 200, headers: ["content-type": "text/plain"], body: .bytes(ByteBuffer(string: text)))
        }
        let seconds = max(1, form.fileBytes / 16_000)
        return Self.json(status: 200, ["text": .string(text), "usage": ["type": "duration", "seconds": JSONValue(seconds)]])
    }

    /// Answers' ids: a random part per process, then a counter.
    static let idPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 36) + "-"
    static let answered = Atomic<UInt64>(0)

    private func streamEvents(id: String, reply: String, usage: Usage?, chat: Bool) -> [ByteBuffer] {
        let pieces = Self.split(reply, into: settings.streamChunks)
        func event(_ choices: [JSONValue], usage: Usage? = nil) -> ByteBuffer {
            var chunk: JSONValue = [
                "id": .string(id), "object": chat ? "chat.completion.chunk" : "text_completion", "created": 1_700_000_000,
                "model": .string(model), "choices": .array(choices),
            ]
            if let usage { chunk["usage"] = usage.openAIJSON }
            return ByteBuffer(string: SSEEvent(data: JSONCoding.encodeString(chunk)).encoded)
        }
        func choice(_ text: String?, finish: String? = nil) -> JSONValue {
            let finishReason = finish.map(JSONValue.string) ?? .null
            guard chat else { return ["index": 0, "text": .string(text ?? ""), "finish_reason": finishReason] }
            var delta: JSONValue = [:]
            if let text { delta["content"] = .string(text) }
            return ["index": 0, "delta": delta, "finish_reason": finishReason]
        }
        var events = chat ? [event([["index": 0, "delta": ["role": "assistant", "content": ""], "finish_reason": .null]])] : []
        events += pieces.map { event([choice($0)]) }
        events.append(event([choice(nil, finish: "stop")]))
        if let usage { events.append(event([], usage: usage)) }
        events.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return events
    }

    private func embeddings(_ body: JSONValue) -> JSONValue {
        let inputs: [String]
        switch body["input"] {
        case .string(let text)?: inputs = [text]
        case .array(let items)?: inputs = items.map { $0.stringValue ?? JSONCoding.encodeString($0) }
        default: inputs = [""]
        }
        let data: [JSONValue] = inputs.enumerated().map { index, text in
            ["object": "embedding", "index": JSONValue(index), "embedding": .array(Self.vector(for: text, dimensions: settings.embeddingDimensions))]
        }
        let tokens = settings.promptTokens ?? inputs.reduce(0) { $0 + Self.estimateTokens($1) }
        return [
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": ["prompt_tokens": JSONValue(tokens), "total_tokens": JSONValue(tokens)],
        ]
    }

    /// A deterministic unit-length vector derived from the text (FNV-1a per dimension).
    static func vector(for text: String, dimensions: Int) -> [JSONValue] {
        var values: [Double] = []
        for dimension in 0..<dimensions {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ UInt64(dimension)
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            values.append(Double(hash % 2000) / 1000 - 1)
        }
        let norm = max(values.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-9)
        return values.map { .number(($0 / norm * 1e6).rounded() / 1e6) }
    }

    static func lastUserText(_ body: JSONValue) -> String {
        if let prompt = body["prompt"] { return prompt.stringValue ?? JSONCoding.encodeString(prompt) }
        let users = (body["messages"]?.arrayValue ?? []).filter { $0["role"]?.stringValue == "user" }
        return ChatToMessages.text(of: users.last?["content"])
    }

    /// About four characters a token, as tokenizers average on English.
    static func estimateTokens(_ text: String) -> Int { max(1, text.utf8.count / 4) }

    static func split(_ text: String, into count: Int) -> [String] {
        let characters = Array(text)
        guard count > 1, characters.count > 1 else { return [text] }
        let size = max(1, (characters.count + count - 1) / count)
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    static func json(status: Int, _ value: JSONValue) -> UpstreamResponse {
        UpstreamResponse(
            status: status, headers: ["content-type": "application/json"],
            body: .bytes(ByteBuffer(bytes: JSONCoding.encode(value)))
        )
    }
}

/// Yields prepared buffers with a pause before each one but the first.
struct PacedSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let items: [ByteBuffer]
    let delayMs: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let items: [ByteBuffer]
        let delayMs: Int

        mutating func next() async throws -> ByteBuffer? {
            guard index < items.count else { return nil }
            if index > 0, delayMs > 0 { try await Task.sleep(for: .milliseconds(delayMs)) }
            defer { index += 1 }
            return items[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(items: items, delayMs: delayMs) }
}
