#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        guard Self.hasUsageObject(event.data), let chunk = try? JSONCoding.decode(event.data.utf8, keeping: ["usage", "choices"]) else {
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

    /// An event passes unread unless it may carry usage: when every `"usage"` in it is followed
    /// by `: null` (blanks aside), as in every chunk but the last when usage is asked for, or
    /// none is there. Anything else is parsed: an object, or a line break before the value (a
    /// payload split over `data:` lines, which only a parse joins).
    public func passesUnread(_ event: UnsafeRawBufferPointer) -> Bool {
        guard let start = event.baseAddress else { return true }
        let key: StaticString = #""usage""#
        let end = start + event.count
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var from = start
        // Each `"usage"`: its quotes found with `memchr`, the word compared with `memcmp`.
        while let quote = memchr(from, Int32(UInt8(ascii: "\"")), end - from).map(UnsafeRawPointer.init) {
            from = quote + 1
            guard end - quote >= key.utf8CodeUnitCount, memcmp(quote, key.utf8Start, key.utf8CodeUnitCount) == 0 else { continue }
            var after = quote + key.utf8CodeUnitCount
            while after < end, isBlank(after.load(as: UInt8.self)) { after += 1 }
            guard after < end else { return false }
            let next = after.load(as: UInt8.self)
            if next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") { return false }
            if next == UInt8(ascii: ":") {
                after += 1
                while after < end, isBlank(after.load(as: UInt8.self)) { after += 1 }
                guard UnsafeRawBufferPointer(start: after, count: end - after).starts(with: "null".utf8) else { return false }
            }
            from = after
        }
        return true
    }

    /// Whether `"usage"` is followed by an object (not `null`), found with a byte scan instead of a parse.
    static func hasUsageObject(_ data: String) -> Bool {
        data.utf8.withContiguousStorageIfAvailable(hasUsageObject) ?? Array(data.utf8).withUnsafeBufferPointer(hasUsageObject)
    }

    private static let usageKey = Array(#""usage""#.utf8)

    private static func hasUsageObject(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let key = usageKey
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var index = 0
        while index + key.count < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "\""), bytes[index + 1] == UInt8(ascii: "u"),
                (2..<key.count).allSatisfy({ bytes[index + $0] == key[$0] })
            else { continue }
            var after = index + key.count
            while after < bytes.count, isSpace(bytes[after]) { after += 1 }
            guard after < bytes.count, bytes[after] == UInt8(ascii: ":") else { return false }
            after += 1
            while after < bytes.count, isSpace(bytes[after]) { after += 1 }
            if after < bytes.count, bytes[after] == UInt8(ascii: "{") { return true }
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
        !Self.contains(event, Self.messageStart) && !Self.contains(event, Self.messageDelta)
    }

    private static let messageStart = Array("message_start".utf8)
    private static let messageDelta = Array("message_delta".utf8)

    private static func contains(_ bytes: UnsafeRawBufferPointer, _ word: [UInt8]) -> Bool {
        guard bytes.count >= word.count else { return false }
        return (0...(bytes.count - word.count)).contains { start in
            bytes[start] == word[0] && (1..<word.count).allSatisfy { bytes[start + $0] == word[$0] }
        }
    }
}
