/// The UTF-8 bytes of many short texts (the held keys' ids and aliases) in one buffer, so that a
/// million keys cost their bytes rather than a million heap objects. Released texts leave
/// garbage that the owner reclaims by copying the live ones into a new arena.
struct TextArena: Sendable {
    /// Where a text is: 40 bits of offset, 24 of length. A text of 16 MiB or more (no request
    /// body is that large, but nothing here should trap) is kept whole in `long`.
    struct Ref: Equatable, Sendable {
        fileprivate let bits: UInt64
        static let absent = Ref(bits: .max)
        fileprivate static let longLength: UInt64 = 0xFF_FFFF

        fileprivate init(bits: UInt64) { self.bits = bits }
        fileprivate init(offset: Int, length: Int) { bits = UInt64(offset) << 24 | UInt64(length) }
        fileprivate var offset: Int { Int(bits >> 24) }
        fileprivate var length: Int { Int(bits & Self.longLength) }
    }

    private(set) var bytes: [UInt8] = []
    private var long: [String] = []
    /// Bytes of released texts still in `bytes`.
    private(set) var garbage = 0

    mutating func store(_ text: String?) -> Ref {
        guard let text else { return .absent }
        let length = text.utf8.count
        if length >= Int(Ref.longLength) {
            long.append(text)
            return Ref(offset: long.count - 1, length: Int(Ref.longLength))
        }
        let offset = bytes.count
        bytes.append(contentsOf: text.utf8)
        return Ref(offset: offset, length: length)
    }

    mutating func release(_ ref: Ref) {
        if ref != .absent, ref.length != Int(Ref.longLength) { garbage += ref.length }
    }

    func text(_ ref: Ref) -> String? {
        guard ref != .absent else { return nil }
        if ref.length == Int(Ref.longLength) { return long[ref.offset] }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[ref.offset..<ref.offset + ref.length]), as: UTF8.self)
        }
    }

    /// Whether the text at `ref` is `text`, byte for byte.
    func holds(_ ref: Ref, _ text: String) -> Bool {
        guard ref != .absent else { return false }
        if ref.length == Int(Ref.longLength) { return long[ref.offset].utf8.elementsEqual(text.utf8) }
        guard ref.length == text.utf8.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            UnsafeBufferPointer(rebasing: buffer[ref.offset..<ref.offset + ref.length]).elementsEqual(text.utf8)
        }
    }

    /// A hash of the text at `ref`, equal to `hash(of:)` of the same text.
    func hash(_ ref: TextArena.Ref) -> Int {
        guard ref != .absent else { return 0 }
        if ref.length == Int(Ref.longLength) { return Self.hash(of: long[ref.offset]) }
        return bytes.withUnsafeBytes { buffer in
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: buffer[ref.offset..<ref.offset + ref.length]))
            return hasher.finalize()
        }
    }

    /// A hash of a text's UTF-8 bytes (seeded per process, as `Hasher` is).
    static func hash(of text: String) -> Int {
        var hasher = Hasher()
        if text.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            Array(text.utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        return hasher.finalize()
    }

    /// Whether copying out the live texts would give back at least half the buffer.
    var wantsCompaction: Bool { garbage > 1 << 16 && garbage * 2 > bytes.count }
}
