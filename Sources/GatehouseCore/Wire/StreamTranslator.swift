/// Turns upstream SSE events into the events the client should see, and notes the usage.
public protocol StreamTranslator: Sendable {
    mutating func translate(_ event: SSEEvent) -> [SSEEvent]
    /// Events owed to the client when the upstream stream has ended.
    mutating func finish() -> [SSEEvent]
    var usage: Usage? { get }
}

/// OpenAI upstream, OpenAI client: events pass through unchanged, except the usage-only chunk
/// Gatehouse asked for on its own account, which a client that did not ask never sees.
public struct OpenAIStreamPassthrough: StreamTranslator {
    public private(set) var usage: Usage?
    private let clientWantsUsage: Bool

    public init(clientWantsUsage: Bool) {
        self.clientWantsUsage = clientWantsUsage
    }

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        // Only a chunk carrying a usage object needs parsing; the rest go out untouched.
        guard Self.hasUsageObject(event.data), let chunk = try? JSONCoding.decode(Array(event.data.utf8)) else { return [event] }
        if let found = Usage(openAI: chunk["usage"]) {
            usage = found
            if !clientWantsUsage, chunk["choices"]?.arrayValue?.isEmpty ?? true { return [] }
        }
        return [event]
    }

    public mutating func finish() -> [SSEEvent] { [] }

    /// Whether `"usage"` is followed by an object (not `null`), found with a byte scan instead of a parse.
    static func hasUsageObject(_ data: String) -> Bool {
        let key = Array(#""usage""#.utf8)
        var utf8 = data.utf8[...]
        while let start = utf8.firstIndex(of: key[0]) {
            let rest = utf8[start...]
            if rest.starts(with: key) {
                var after = rest.dropFirst(key.count).drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                guard after.first == UInt8(ascii: ":") else { return false }
                after = after.dropFirst().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                if after.first == UInt8(ascii: "{") { return true }
            }
            utf8 = rest.dropFirst()
        }
        return false
    }
}

/// Anthropic upstream, Anthropic client: events pass through; usage is read from
/// `message_start` (input) and `message_delta` (output).
public struct AnthropicStreamPassthrough: StreamTranslator {
    public private(set) var usage: Usage?

    public init() {}

    public mutating func translate(_ event: SSEEvent) -> [SSEEvent] {
        guard event.event == "message_start" || event.event == "message_delta",
            let payload = try? JSONCoding.decode(Array(event.data.utf8))
        else { return [event] }
        if let start = Usage(anthropic: payload["message"]?["usage"]) {
            usage = start
        } else if let output = payload["usage"]?["output_tokens"]?.intValue {
            usage = Usage(promptTokens: usage?.promptTokens ?? 0, completionTokens: output)
        }
        return [event]
    }

    public mutating func finish() -> [SSEEvent] { [] }
}
