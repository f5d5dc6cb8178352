/// One Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The event in wire form, ending with the blank line.
    public var encoded: String {
        var text = ""
        text.reserveCapacity(encodedSizeHint)
        encode { text += $0 }
        return text
    }

    /// About the size of the wire form (exact when the data has no newline), to reserve room.
    public var encodedSizeHint: Int { data.utf8.count + (event.map { $0.utf8.count + 8 } ?? 0) + 8 }

    /// Hands the wire form to `write` piece by piece, so that it can go straight into a buffer.
    public func encode(_ write: (Substring) -> Void) {
        if let event {
            write("event: ")
            write(event[...])
            write("\n")
        }
        // Lines are split on the newline byte: a split on `Character`s walks grapheme clusters,
        // which was a tenth of a streamed request's CPU. A JSON payload has no raw newline at all.
        let newline = UInt8(ascii: "\n")
        if data.utf8.withContiguousStorageIfAvailable({ !$0.contains(newline) }) ?? !data.utf8.contains(newline) {
            write("data: ")
            write(data[...])
            write("\n")
        } else {
            for line in data.utf8.split(separator: newline, omittingEmptySubsequences: false) {
                write("data: ")
                write(Substring(line))
                write("\n")
            }
        }
        write("\n")
    }
}

/// Incremental SSE parser: feed it bytes as they arrive, take whole events out.
/// Bounded: a single event larger than `maxEventBytes` (in one line or in many) is an error rather
/// than unbounded growth.
public struct SSEParser: Sendable {
    public struct TooLarge: Error {
        public init() {}
    }

    private var pending: [UInt8] = []
    private var event: String?
    /// The event's data lines so far, joined by newlines: one string, not an array of lines, for
    /// the one line nearly every event has.
    private var data: String?
    private let maxEventBytes: Int

    /// The largest event a stream may send.
    public static let defaultMaxEventBytes = 4 * 1024 * 1024

    public init(maxEventBytes: Int = defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        try feed(bytes, into: &events)
        return events
    }

    /// Appends the events `bytes` completes to `events` (a stream keeps one array for all its chunks).
    public mutating func feed(_ bytes: some Sequence<UInt8>, into events: inout [SSEEvent]) throws {
        pending.append(contentsOf: bytes)
        var lineStart = 0
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                // A lone CR at the end of the buffer may be the first half of CRLF: wait for more.
                if byte == UInt8(ascii: "\r"), index + 1 == pending.count { break }
                let line = pending[lineStart..<index]
                if byte == UInt8(ascii: "\r"), pending[index + 1] == UInt8(ascii: "\n") { index += 1 }
                if let completed = process(line) { events.append(completed) }
                lineStart = index + 1
            }
            index += 1
        }
        pending.removeFirst(lineStart)
        // The event being read: its data lines so far and the line not yet ended.
        if pending.count + (data?.utf8.count ?? 0) > maxEventBytes { throw TooLarge() }
    }

    /// Whatever complete event is left when the stream ends without a final blank line.
    public mutating func finish() -> SSEEvent? {
        if !pending.isEmpty {
            let line = pending[...]
            pending.removeAll()
            if let event = process(line) { return event }
        }
        return process([][...])
    }

    private mutating func process(_ line: ArraySlice<UInt8>) -> SSEEvent? {
        if line.isEmpty {
            defer {
                event = nil
                data = nil
            }
            guard let data else { return nil }
            return SSEEvent(event: event, data: data)
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = line[..<(colon ?? line.endIndex)]
        var value = colon.map { line[line.index(after: $0)...] } ?? [][...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        // The field's name is matched on its bytes: no string is made for a line's name.
        if field.elementsEqual("data".utf8) {
            let line = String(decoding: value, as: UTF8.self)
            if data == nil { data = line } else { data? += "\n" + line }
        } else if field.elementsEqual("event".utf8) {
            event = String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
