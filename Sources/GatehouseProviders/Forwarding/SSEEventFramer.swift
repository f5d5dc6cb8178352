public import GatehouseCore
public import NIOCore

/// Splits an upstream SSE body into whole events as its chunks arrive, without reading the events:
/// each comes out as the bytes the upstream sent, its closing blank line included (a slice of the
/// chunk where it lies in one). What a stream's translator need not read goes to the client as
/// it came (see `StreamTranslator.passesUnread`), as a plain reverse proxy would pass it. Where
/// events end is `SSEFraming`'s; this keeps the bytes. Bounded: an event larger than
/// `maxEventBytes` is an error rather than unbounded growth.
public struct SSEEventFramer: Sendable {
    /// What has arrived and is not yet handed out, from the start of the event being read.
    private var pending = ByteBuffer()
    private var scan = SSEFraming.Scan()
    private let maxEventBytes: Int

    public init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Takes a chunk of the body; its events come out of `nextEvent()`.
    public mutating func feed(_ chunk: ByteBuffer) {
        if pending.readableBytes == 0 {
            pending = chunk
        } else {
            pending.writeImmutableBuffer(chunk)
        }
    }

    /// The next whole event in what was fed, or nil when none is whole yet. - Throws:
    /// `SSEParser.TooLarge` when the event still open is past `maxEventBytes`.
    public mutating func nextEvent() throws -> ByteBuffer? {
        var scan = self.scan
        let length = pending.withUnsafeReadableBytes { SSEFraming.firstEventLength(in: $0, scan: &scan) }
        self.scan = scan
        if let length { return pending.readSlice(length: length) }
        if pending.readableBytes > maxEventBytes { throw SSEParser.TooLarge() }
        return nil
    }

    /// The bytes of an event the body ended without closing, if any.
    public mutating func finish() -> ByteBuffer? {
        defer {
            pending = ByteBuffer()
            scan = SSEFraming.Scan()
        }
        return pending.readableBytes == 0 ? nil : pending
    }
}
