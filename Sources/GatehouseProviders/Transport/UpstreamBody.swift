public import NIOCore

/// A response body as an async sequence of buffers, whatever transport produced it.
/// Dropping the iterator before the end cancels the upstream request.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    private let make: @Sendable () -> AsyncIterator

    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
        self.make = { AsyncIterator(base.makeAsyncIterator()) }
    }

    public static func bytes(_ buffer: ByteBuffer) -> UpstreamBody {
        UpstreamBody(CollectionOfOne(buffer).async)
    }

    public func makeAsyncIterator() -> AsyncIterator { make() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: any AsyncIteratorProtocol
        init(_ base: any AsyncIteratorProtocol) { self.base = base }

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next(isolation: #isolation) as? ByteBuffer
        }
    }

    /// The whole body, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var result = ByteBuffer()
        for try await chunk in self {
            guard result.readableBytes + chunk.readableBytes <= limit else {
                throw TransportError(.bodyTooLarge, "upstream response exceeds \(limit) bytes")
            }
            var chunk = chunk
            result.writeBuffer(&chunk)
        }
        return result
    }
}

/// A synchronous sequence seen as an async one (for bodies already in memory).
struct SyncAsyncSequence<Base: Sequence & Sendable>: AsyncSequence, Sendable {
    typealias Element = Base.Element
    let base: Base
    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.Iterator
        mutating func next() async -> Base.Element? { base.next() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeIterator()) }
}

extension Sequence where Self: Sendable {
    var async: SyncAsyncSequence<Self> { SyncAsyncSequence(base: self) }
}
