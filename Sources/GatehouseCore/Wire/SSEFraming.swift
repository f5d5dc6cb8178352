/// Where Server-Sent Events end in a body as sent, found without reading the events (see
/// `SSEEventFramer`, which keeps the bytes). Lines end as in the SSE grammar: LF, CRLF or a lone
/// CR; an event ends at an empty line. A CR that ends the bytes at hand is not taken until the
/// next byte shows whether an LF follows.
public enum SSEFraming {
    /// How far a scan of the open event has gone, carried from one call to the next as its bytes
    /// arrive.
    public struct Scan: Sendable, Equatable {
        /// Bytes scanned from the start of the open event: all but a CR at the end of those at hand.
        public var scanned = 0
        /// Whether the line being scanned has no bytes yet (an event's first line included).
        public var lineIsEmpty = true

        public init() {}
    }

    /// The length of the first whole event in `bytes` — the bytes of the open event from its
    /// start, its closing blank line included — or nil when none is whole yet. `scan` carries
    /// where to go on from: past a whole event it starts again for the next.
    public static func firstEventLength(in bytes: UnsafeRawBufferPointer, scan: inout Scan) -> Int? {
        var index = scan.scanned
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
                scan.lineIsEmpty = false
                index = bytes.count
                break
            }
            if lineEnd > index { scan.lineIsEmpty = false }
            var next = lineEnd + 1
            if bytes[lineEnd] == UInt8(ascii: "\r") {
                guard next < bytes.count else {
                    index = lineEnd
                    break
                }
                if bytes[next] == UInt8(ascii: "\n") { next += 1 }
            }
            if scan.lineIsEmpty {
                scan = Scan()
                return next
            }
            scan.lineIsEmpty = true
            index = next
        }
        scan.scanned = index
        return nil
    }
}
