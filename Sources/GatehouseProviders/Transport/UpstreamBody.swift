public import NIOCore

/// A response body as an async sequence of buffers, whatever transport produced it.
/// Dropping the iterator before the end cancels the upstream request.
///
/// The bodies Gatehouse's own transport makes — one buffer gathered whole, or a stream from an
/// upstream connection — are held as they are; any other sequence behind a function that makes
/// its iterator. (Held behind that function, each body cost a closure's context and an iterator
/// boxed as an existential, and each chunk a dynamic cast.)
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private enum Source: Sendable {
        case bytes(ByteBuffer)
        /// A stream from `NIOHTTPTransport`, ended with an error once `deadline` has passed.
        case streamed(StreamedUpstreamBody.Reader, deadline: NIODeadline)
        case sequence(@Sendable () -> any AsyncIteratorProtocol)
    }
    private let source: Source

    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
        source = .sequence { base.makeAsyncIterator() }
    }

    private init(source: Source) {
        self.source = source
    }

    public static func bytes(_ buffer: ByteBuffer) -> UpstreamBody {
        UpstreamBody(source: .bytes(buffer))
    }

    static func streamed(_ reader: StreamedUpstreamBody.Reader, deadline: NIODeadline) -> UpstreamBody {
        UpstreamBody(source: .streamed(reader, deadline: deadline))
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .bytes(let buffer): AsyncIterator(.bytes(buffer))
        case .streamed(let reader, let deadline): AsyncIterator(.streamed(reader, deadline: deadline))
        case .sequence(let make): AsyncIterator(.sequence(make()))
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate enum State {
            case bytes(ByteBuffer?)
            case streamed(StreamedUpstreamBody.Reader, deadline: NIODeadline)
            case sequence(any AsyncIteratorProtocol)
        }
        private var state: State

        fileprivate init(_ state: State) {
            self.state = state
        }

        public mutating func next() async throws -> ByteBuffer? {
            switch state {
            case .bytes(let buffer):
                state = .bytes(nil)
                return buffer
            case .streamed(let reader, let deadline):
                guard let chunk = try await reader.body.next() else { return nil }
                try TransportError.checkTotal(deadline)
                return chunk
            case .sequence(var base):
                // Held here alone while it moves on: an iterator held twice is copied to be changed.
                state = .bytes(nil)
                defer { state = .sequence(base) }
                return try await base.next(isolation: #isolation) as? ByteBuffer
            }
        }
    }

    /// The whole body, refusing more than `limit` bytes. A body of one buffer is that buffer, not
    /// a copy; one gathered whole is returned without iterating it.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        if case .bytes(let buffer) = source {
            guard buffer.readableBytes <= limit else { throw Self.tooLarge(limit) }
            return buffer
        }
        var result: ByteBuffer?
        for try await chunk in self {
            guard (result?.readableBytes ?? 0) + chunk.readableBytes <= limit else { throw Self.tooLarge(limit) }
            if result == nil { result = chunk } else { result!.writeImmutableBuffer(chunk) }
        }
        return result ?? ByteBuffer()
    }

    private static func tooLarge(_ limit: Int) -> TransportError {
        TransportError(.bodyTooLarge, "upstream response exceeds \(limit) bytes")
    }
}
