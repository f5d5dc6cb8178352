#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Words found in raw bytes (a streamed event as the upstream sent it) without making a string.
enum ByteSearch {
    /// Where `word` first occurs in `bytes` at or after `start`: its first byte found with
    /// `memchr`, the rest compared with `memcmp`.
    static func first(_ word: StaticString, in bytes: UnsafeRawBufferPointer, from start: Int = 0) -> Int? {
        let length = word.utf8CodeUnitCount
        guard let base = bytes.baseAddress, length > 0, start >= 0 else { return nil }
        var from = start
        while bytes.count - from >= length, let hit = memchr(base + from, Int32(word.utf8Start.pointee), bytes.count - from - length + 1) {
            let index = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, word.utf8Start, length) == 0 { return index }
            from = index + 1
        }
        return nil
    }
}
