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

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: upstream.makeAsyncIterator(), translator: translator, clientDialect: clientDialect, report: report)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: UpstreamBody.AsyncIterator
        var translator: any StreamTranslator
        var parser = SSEParser()
        let clientDialect: Dialect
        let report: StreamReport
        var done = false
        /// The response's `id`, read from the first events the client gets.
        var responseID = ResponseID()

        init(upstream: UpstreamBody.AsyncIterator, translator: any StreamTranslator, clientDialect: Dialect, report: StreamReport) {
            self.upstream = upstream
            self.translator = translator
            self.clientDialect = clientDialect
            self.report = report
        }

        public mutating func next() async throws -> ByteBuffer? {
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
                    var events: [SSEEvent] = []
                    if let last = parser.finish() { events += translator.translate(last) }
                    events += translator.finish()
                    report.finish(StreamEnd(usage: translator.usage, completed: true, responseID: responseID.value))
                    return events.isEmpty ? nil : encode(events)
                }
                let events: [SSEEvent]
                do {
                    events = try parser.feed(chunk.readableBytesView).flatMap { translator.translate($0) }
                } catch {
                    done = true
                    report.finish(StreamEnd(usage: translator.usage, completed: false, responseID: responseID.value))
                    return encode([errorEvent("Upstream sent an oversized event.")])
                }
                if !events.isEmpty { return encode(events) }
            }
            return nil
        }

        private mutating func encode(_ events: [SSEEvent]) -> ByteBuffer {
            var buffer = ByteBuffer()
            for event in events {
                responseID.look(at: event)
                buffer.writeString(event.encoded)
            }
            return buffer
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

/// The `id` a stream's events carry (`chatcmpl-…` in an OpenAI chunk, `msg_…` in Anthropic's
/// `message_start`, `resp_…` in the Responses API's `response.created`): only the first few events are parsed, so a stream without one costs nothing
/// after them.
struct ResponseID {
    private(set) var value: String?
    private var looked = 0
    /// Longer is not an id: nothing unbounded from the upstream reaches the spend log.
    static let maxBytes = 200

    mutating func look(at event: SSEEvent) {
        guard value == nil, looked < 3, event.data.utf8.first == UInt8(ascii: "{") else { return }
        looked += 1
        guard let json = try? JSONCoding.decode(Array(event.data.utf8)) else { return }
        value = Self.of(json["id"] ?? json["message"]?["id"] ?? json["response"]?["id"])
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
