public import GatehouseCore
public import NIOCore

/// Splits an upstream SSE body into whole events as its chunks arrive, without reading the events:
/// each comes out as the bytes the upstream sent, its closing blank line included (a slice of the
/// chunk where it lies in one). What a stream's translator need not read goes to the client as
/// it came (see `StreamTranslator.passesUnread`), as a plain reverse proxy would pass it.
///
/// Lines end as in the SSE grammar: LF, CRLF or a lone CR; an event ends at an empty line. A CR
/// that ends what has arrived is not taken until the next byte shows whether an LF follows.
/// Bounded: an event larger than `maxEventBytes` is an error rather than unbounded growth.
public struct SSEEventFramer: Sendable {
    /// What has arrived and is not yet handed out, from the start of the event being read.
    private var pending = ByteBuffer()
    /// How many of `pending`'s bytes were scanned: all but a CR at its end.
    private var scanned = 0
    /// Whether the line being scanned has no bytes yet (an event's first line included).
    private var lineIsEmpty = true
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
        let count = pending.readableBytes
        var index = scanned
        while index < count {
            let lineEnd = pending.withUnsafeReadableBytes { bytes in
                bytes[index...].firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            }
            guard let lineEnd else {
                lineIsEmpty = false
                index = count
                break
            }
            if lineEnd > index { lineIsEmpty = false }
            var next = lineEnd + 1
            if pending.getInteger(at: pending.readerIndex + lineEnd, as: UInt8.self) == UInt8(ascii: "\r") {
                guard next < count else {
                    index = lineEnd
                    break
                }
                if pending.getInteger(at: pending.readerIndex + next, as: UInt8.self) == UInt8(ascii: "\n") { next += 1 }
            }
            if lineIsEmpty {
                scanned = 0
                return pending.readSlice(length: next)
            }
            lineIsEmpty = true
            index = next
        }
        scanned = index
        if count > maxEventBytes { throw SSEParser.TooLarge() }
        return nil
    }

    /// The bytes of an event the body ended without closing, if any.
    public mutating func finish() -> ByteBuffer? {
        defer {
            pending = ByteBuffer()
            scanned = 0
            lineIsEmpty = true
        }
        return pending.readableBytes == 0 ? nil : pending
    }
}
