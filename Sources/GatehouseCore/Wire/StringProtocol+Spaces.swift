extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, list elements). Works on the
    /// UTF-8 bytes (spaces and tabs are ASCII) in one pass, specialised where it is called.
    @inlinable
    public var trimmingSpaces: String {
        String(decoding: utf8[spaceTrimmedRange], as: UTF8.self)
    }

    /// The UTF-8 bytes between leading and trailing spaces and tabs.
    @inlinable
    var spaceTrimmedRange: Range<UTF8View.Index> {
        let bytes = utf8
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        var end = start
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if byte != 0x20, byte != 0x09 { end = index }
        }
        return start..<end
    }
}

extension String {
    /// The same, sharing the string's storage when there is nothing to trim (a header value
    /// nearly always): no copy. Read on the contiguous UTF-8 bytes (every native string's), by
    /// offset rather than by `String.Index`.
    @inlinable
    public var trimmingSpaces: String {
        // nil inside: nothing to trim.
        let trimmed = utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var start = 0
            var end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return start == 0 && end == bytes.count ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        switch trimmed {
        case .some(.some(let text)): return text
        case .some(.none): return self
        case .none:
            let range = spaceTrimmedRange
            return range == utf8.startIndex..<utf8.endIndex ? self : String(decoding: utf8[range], as: UTF8.self)
        }
    }
}
