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
                    report.finish(usage: translator.usage, completed: false)
                    return encode([errorEvent("Upstream stream failed: \(error)")])
                }
                guard let chunk else {
                    done = true
                    var events: [SSEEvent] = []
                    if let last = parser.finish() { events += translator.translate(last) }
                    events += translator.finish()
                    report.finish(usage: translator.usage, completed: true)
                    return events.isEmpty ? nil : encode(events)
                }
                let events: [SSEEvent]
                do {
                    events = try parser.feed(chunk.readableBytesView).flatMap { translator.translate($0) }
                } catch {
                    done = true
                    report.finish(usage: translator.usage, completed: false)
                    return encode([errorEvent("Upstream sent an oversized event.")])
                }
                if !events.isEmpty { return encode(events) }
            }
            return nil
        }

        private func encode(_ events: [SSEEvent]) -> ByteBuffer {
            var buffer = ByteBuffer()
            for event in events { buffer.writeString(event.encoded) }
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

/// Delivers a stream's outcome once: at its end, or when it is abandoned (deinit).
public final class StreamReport: Sendable {
    public typealias Handler = @Sendable (_ usage: Usage?, _ completed: Bool) -> Void
    private let handler: Handler
    private let reported = Mutex(false)

    public init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    func finish(usage: Usage?, completed: Bool) {
        let first = reported.withLock { reported -> Bool in
            defer { reported = true }
            return !reported
        }
        if first { handler(usage, completed) }
    }

    /// An iterator dropped before the end: the client went away mid-stream.
    deinit {
        if !reported.withLock({ $0 }) { handler(nil, false) }
    }
}
