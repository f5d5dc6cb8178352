public import GatehouseCore
public import NIOCore
import Synchronization

/// An upstream SSE body, re-framed and translated into the client's dialect chunk by chunk, with
/// nothing buffered beyond one event. Reports its usage exactly once when it ends, including when
/// the client goes away and the iterator is dropped.
public struct TranslatedEventStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let upstream: UpstreamBody
    let translator: any StreamTranslator
    let clientDialect: Dialect
    let report: StreamReport
    /// The response's id when Gatehouse made it (the Responses API's `resp_…`).
    var knownResponseID: String?

    public func makeAsyncIterator() -> AsyncIterator {
        var iterator = AsyncIterator(upstream: upstream.makeAsyncIterator(), translator: translator, clientDialect: clientDialect, report: report)
        if let knownResponseID { iterator.responseID = ResponseID(known: knownResponseID) }
        return iterator
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: UpstreamBody.AsyncIterator
        var translator: any StreamTranslator
        /// Splits the upstream's chunks into events; those the translator must read go through the parser.
        var framer = SSEEventFramer()
        var parser = SSEParser()
        let clientDialect: Dialect
        let report: StreamReport
        var done = false
        /// The response's `id`, read from the first events the client gets.
        var responseID = ResponseID()
        /// A chunk's events as parsed and as translated: kept from chunk to chunk, emptied each time.
        var parsed: [SSEEvent] = []
        var translated: [SSEEvent] = []

        init(upstream: UpstreamBody.AsyncIterator, translator: any StreamTranslator, clientDialect: Dialect, report: StreamReport) {
            self.upstream = upstream
            self.translator = translator
            self.clientDialect = clientDialect
            self.report = report
            // Room for a chunk's events, so that the arrays do not grow event by event.
            parsed.reserveCapacity(16)
            translated.reserveCapacity(16)
        }

        public mutating func next() async throws -> ByteBuffer? {
            try await next(isolation: #isolation)
        }

        /// What `for try await` calls (Hummingbird's response body does): written out, not the
        /// standard library's default, which hops to the generic executor and back around `next()`.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ByteBuffer? {
            while !done {
                let chunk: ByteBuffer?
                do {
                    chunk = try await upstream.next()
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // The head was already sent: the client learns of the failure in-band.
                    done = true
                    report.finish(StreamEnd(usage: translator.usage, completed: false, responseID: responseID.value))
                    return encode([errorEvent("Upstream stream failed: \(error)")])
                }
                guard let chunk else {
                    done = true
                    // An event the upstream did not close is read as the parser reads it.
                    parsed.removeAll(keepingCapacity: true)
                    if let rest = framer.finish() { try? parser.feed(rest.readableBytesView, into: &parsed) }
                    if let last = parser.finish() { parsed.append(last) }
                    var events: [SSEEvent] = []
                    for event in parsed { translator.translate(event, into: &events) }
                    events += translator.finish()
                    report.finish(StreamEnd(usage: translator.usage, completed: true, responseID: responseID.value))
                    return events.isEmpty ? nil : encode(events)
                }
                framer.feed(chunk)
                // What the client gets of this chunk: sized for it when its first event is written.
                var out = ByteBuffer()
                do {
                    while let event = try framer.nextEvent() {
                        if event.withUnsafeReadableBytes({ translator.passesUnread($0) }) {
                            event.withUnsafeReadableBytes { responseID.look(atSent: $0) }
                            if out.capacity == 0 { out.reserveCapacity(chunk.readableBytes) }
                            out.writeImmutableBuffer(event)
                            continue
                        }
                        parsed.removeAll(keepingCapacity: true)
                        translated.removeAll(keepingCapacity: true)
                        try parser.feed(event.readableBytesView, into: &parsed)
                        // The event is whole: one ending in a lone CR is not held for an LF.
                        if let last = parser.finish() { parsed.append(last) }
                        for event in parsed { translator.translate(event, into: &translated) }
                        if translated.isEmpty { continue }
                        if out.capacity == 0 { out.reserveCapacity(chunk.readableBytes + translated.reduce(0) { $0 + $1.encodedSizeHint }) }
                        encode(translated, into: &out)
                    }
                } catch {
                    // The events before it in the chunk still go out, then the error.
                    done = true
                    report.finish(StreamEnd(usage: translator.usage, completed: false, responseID: responseID.value))
                    encode([errorEvent("Upstream sent an oversized event.")], into: &out)
                    return out
                }
                if out.readableBytes > 0 { return out }
            }
            return nil
        }

        private mutating func encode(_ events: [SSEEvent]) -> ByteBuffer {
            var buffer = ByteBufferAllocator().buffer(capacity: events.reduce(0) { $0 + $1.encodedSizeHint })
            encode(events, into: &buffer)
            return buffer
        }

        private mutating func encode(_ events: [SSEEvent], into buffer: inout ByteBuffer) {
            for event in events {
                responseID.look(at: event)
                event.encode { buffer.writeSubstring($0) }
            }
        }

        private func errorEvent(_ message: String) -> SSEEvent {
            let error = GatewayError.upstream(status: 502, message: message)
            switch clientDialect {
            case .openAI: return SSEEvent(data: JSONCoding.encodeString(error.openAIBody))
            case .anthropic: return SSEEvent(event: "error", data: JSONCoding.encodeString(error.anthropicBody))
            }
        }
    }
}

/// How a stream ended: its usage (if the upstream reported one), whether it completed, and the
/// response's `id`.
public struct StreamEnd: Sendable {
    public var usage: Usage?
    public var completed: Bool
    public var responseID: String?
}

/// The `id` a stream's events carry (`chatcmpl-…` first in an OpenAI chunk, `msg_…` first in
/// Anthropic's `message_start`), read from the bytes of the first few events without parsing
/// them: the stream path parses no event it need not.
struct ResponseID {
    private(set) var value: String?
    private var looked = 0
    /// Longer is not an id: nothing unbounded from the upstream reaches the spend log.
    static let maxBytes = 200

    init(known: String? = nil) {
        value = known
    }

    mutating func look(at event: SSEEvent) { look { Self.first(in: event.data.utf8) } }

    /// The same, in an event's bytes as the upstream sent them.
    mutating func look(atSent event: UnsafeRawBufferPointer) {
        look { Self.first(in: UnsafeBufferPointer(start: event.baseAddress?.assumingMemoryBound(to: UInt8.self), count: event.count)) }
    }

    private mutating func look(_ read: () -> String?) {
        guard value == nil, looked < 3 else { return }
        looked += 1
        value = read()
    }

    private static let idKey = Array(#""id""#.utf8)

    /// The string value of the first `"id"` key in JSON text, when it is plain (no escapes).
    static func first(in text: String.UTF8View) -> String? {
        text.withContiguousStorageIfAvailable { first(in: $0) } ?? Array(text).withUnsafeBufferPointer { first(in: $0) }
    }

    private static func first(in all: UnsafeBufferPointer<UInt8>) -> String? {
        let bytes = UnsafeBufferPointer(rebasing: all.prefix(4096))
        let key = idKey
        var index = 0
        while index + key.count < bytes.count {
            defer { index += 1 }
            guard bytes[index] == key[0], bytes[index..<index + key.count].elementsEqual(key) else { continue }
            var cursor = index + key.count
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else { continue }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") else { return nil }
            let start = cursor + 1
            guard let end = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
                bytes[end] == UInt8(ascii: "\"")
            else { return nil }
            return of(.string(String(decoding: bytes[start..<end], as: UTF8.self)))
        }
        return nil
    }

    /// A response body's `id`, if it has a short one.
    static func of(_ id: JSONValue?) -> String? {
        guard let text = id?.stringValue, !text.isEmpty, text.utf8.count <= maxBytes else { return nil }
        return text
    }
}

/// Delivers a stream's outcome once: at its end, or when it is abandoned (deinit).
public final class StreamReport: Sendable {
    public typealias Handler = @Sendable (StreamEnd) -> Void
    private let handler: Handler
    private let reported = Mutex(false)

    public init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    func finish(_ end: StreamEnd) {
        let first = reported.withLock { reported -> Bool in
            defer { reported = true }
            return !reported
        }
        if first { handler(end) }
    }

    /// An iterator dropped before the end: the client went away mid-stream.
    deinit {
        if !reported.withLock({ $0 }) { handler(StreamEnd(usage: nil, completed: false)) }
    }
}
