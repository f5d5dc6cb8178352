/// Turns upstream SSE events into the events the client should see, and notes the usage.
public protocol StreamTranslator: Sendable {
    mutating func translate(_ event: SSEEvent) -> [SSEEvent]
    /// Appends what `event` becomes to `events`: the stream's path, which keeps one array for
    /// all its chunks rather than one for each event (by default, `translate(_:)`'s).
    mutating func translate(_ event: SSEEvent, into events: inout [SSEEvent])
    /// Events owed to the client when the upstream stream has ended.
    mutating func finish() -> [SSEEvent]
    var usage: Usage? { get }
    /// Whether an event goes to the client as the upstream sent it, neither parsed nor
    /// translated. - Parameter event: its bytes as sent, its closing blank line included (see
    /// `SSEEventFramer`). By default false: every event is parsed and `translate`d.
    func passesUnread(_ event: UnsafeRawBufferPointer) -> Bool
}

extension StreamTranslator {
    public mutating func translate(_ event: SSEEvent, into events: inout [SSEEvent]) { events += translate(event) }
    public func passesUnread(_ event: UnsafeRawBufferPointer) -> Bool { false }
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
        var events: [SSEEvent] = []
        translate(event, into: &events)
        return events
    }

    public mutating func translate(_ event: SSEEvent, into events: inout [SSEEvent]) {
        // Only a chunk carrying a usage object needs parsing, and of it only what is read here;
        // the rest go out untouched.
        guard Self.mayCarryUsage(event.data), let chunk = try? JSONCoding.decode(event.data.utf8, keeping: ["usage", "choices"]) else {
            events.append(event)
            return
        }
        if let found = Usage(openAI: chunk["usage"]) {
            usage = found
            if !clientWantsUsage, chunk["choices"]?.arrayValue?.isEmpty ?? true { return }
        }
        events.append(event)
    }

    public mutating func finish() -> [SSEEvent] { [] }

    /// An event passes unread unless it may carry usage (`mayCarryUsage`).
    public func passesUnread(_ event: UnsafeRawBufferPointer) -> Bool { !Self.mayCarryUsage(event) }

    /// Whether some `"usage"` in an event is followed by anything but `: null` (blanks aside), as
    /// in the last chunk when usage is asked for: an object, or a line break before the value (a
    /// payload split over `data:` lines, which only a parse joins). Found with a byte scan, not a
    /// parse; a chunk it lets through is parsed.
    static func mayCarryUsage(_ data: String) -> Bool {
        data.utf8.withContiguousStorageIfAvailable { mayCarryUsage(UnsafeRawBufferPointer($0)) }
            ?? Array(data.utf8).withUnsafeBytes(mayCarryUsage)
    }

    static func mayCarryUsage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let key: StaticString = #""usage""#
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var from = 0
        while let found = ByteSearch.first(key, in: bytes, from: from) {
            var after = found + key.utf8CodeUnitCount
            while after < bytes.count, isBlank(bytes[after]) { after += 1 }
            guard after < bytes.count, bytes[after] != UInt8(ascii: "\n"), bytes[after] != UInt8(ascii: "\r") else { return true }
            if bytes[after] == UInt8(ascii: ":") {
                after += 1
                while after < bytes.count, isBlank(bytes[after]) { after += 1 }
                guard bytes[after...].starts(with: "null".utf8) else { return true }
            }
            from = after
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
        var events: [SSEEvent] = []
        translate(event, into: &events)
        return events
    }

    public mutating func translate(_ event: SSEEvent, into events: inout [SSEEvent]) {
        events.append(event)
        guard event.event == "message_start" || event.event == "message_delta",
            let payload = try? JSONCoding.decode(event.data.utf8, keeping: ["message", "usage"])
        else { return }
        if let start = Usage(anthropic: payload["message"]?["usage"]) {
            usage = start
        } else if let output = payload["usage"]?["output_tokens"]?.intValue {
            usage = Usage(promptTokens: usage?.promptTokens ?? 0, completionTokens: output)
        }
    }

    public mutating func finish() -> [SSEEvent] { [] }

    /// Every event passes unread but `message_start` and `message_delta`, which carry the usage:
    /// one naming either anywhere in its bytes is parsed.
    public func passesUnread(_ event: UnsafeRawBufferPointer) -> Bool {
        ByteSearch.first("message_start", in: event) == nil && ByteSearch.first("message_delta", in: event) == nil
    }
}
