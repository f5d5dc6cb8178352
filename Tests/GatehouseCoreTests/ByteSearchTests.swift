import Testing

@testable import GatehouseCore

/// Words found in raw bytes, as the stream pass-through looks for `"usage"` and Anthropic's events.
@Suite("Words in raw bytes")
struct ByteSearchTests {
    static func first(_ word: StaticString, in text: String, from start: Int = 0) -> Int? {
        Array(text.utf8).withUnsafeBytes { ByteSearch.first(word, in: $0, from: start) }
    }

    @Test func theFirstWholeOccurrenceIsFound() {
        #expect(Self.first("usage", in: "usage") == 0)
        #expect(Self.first("usage", in: "us usag usage") == 8)
        // At the very end, and cut off by it.
        #expect(Self.first("age", in: "usage") == 2)
        #expect(Self.first("usages", in: "usage") == nil)
        #expect(Self.first("usage", in: "") == nil)
        // From an offset: the one before it is not seen.
        #expect(Self.first("ab", in: "ab ab", from: 1) == 3)
        #expect(Self.first("ab", in: "ab", from: 1) == nil)
        #expect(Self.first("ab", in: "ab", from: 5) == nil)
    }
}
