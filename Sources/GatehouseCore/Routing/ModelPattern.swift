/// A model name with `*` wildcards (`*`, `openai/*`, `bedrock/anthropic.*`), as LiteLLM's
/// `model_list` and key model lists use them. A pattern matches a whole name; each `*` matches any
/// run of characters, the earlier ones as much as they can (as LiteLLM's regular expressions do).
public struct ModelPattern: Sendable, Equatable {
    public let text: String
    /// The literal pieces between the stars: one more than there are stars.
    private let pieces: [[UInt8]]
    /// Names longer than this are never matched: the request path stays cheap whatever a client
    /// sends as a model name.
    public static let maxNameLength = 256

    public init(_ text: String) {
        self.text = text
        pieces = text.split(separator: "*", omittingEmptySubsequences: false).map { Array($0.utf8) }
    }

    public var stars: Int { pieces.count - 1 }

    /// Whether `text` has a `*` in it.
    public static func isPattern(_ text: String) -> Bool { text.utf8.contains(UInt8(ascii: "*")) }

    public func matches(_ name: String) -> Bool { Self.matches(text, name) }

    /// Whether `pattern` matches the whole of `name`, as `ModelPattern(pattern).captures(name)`
    /// would find, without building the pattern or the captures: a key's model list is checked
    /// on every request, at each level above the key too.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        var pattern = pattern
        var name = name
        return pattern.withUTF8 { pattern in name.withUTF8 { name in globMatches(pattern, name) } }
    }

    /// What each `*` matched, in order, when the whole of `name` matches; else nil.
    public func captures(_ name: String) -> [String]? {
        var text = text
        var name = name
        return text.withUTF8 { pattern in name.withUTF8 { name in captures(pattern, name) } }
    }

    private func captures(_ pattern: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        // A name that does not match costs no allocation; one that does has a split to find.
        guard Self.globMatches(pattern, bytes) else { return nil }
        var start = pieces[0].count
        // Where, in the pattern, the star before the current piece is.
        var star = pieces[0].count
        var captured: [String] = []
        for piece in pieces.dropFirst() {
            let afterPiece = star + 1 + piece.count
            let rest = UnsafeBufferPointer(rebasing: pattern[afterPiece...])
            // The star before `piece` takes the longest run after which the rest still matches.
            var found: Int?
            var position = bytes.count - piece.count
            while position >= start {
                if bytes[position..<(position + piece.count)].elementsEqual(piece),
                    Self.globMatches(rest, UnsafeBufferPointer(rebasing: bytes[(position + piece.count)...]))
                {
                    found = position
                    break
                }
                position -= 1
            }
            guard let at = found else { return nil }
            captured.append(String(decoding: bytes[start..<at], as: UTF8.self))
            start = at + piece.count
            star = afterPiece
        }
        return captured
    }

    /// `target` with its stars replaced by `captures` in order (LiteLLM's rule: when the pattern
    /// captured more pieces than `target` has stars, the whole requested `name` is used).
    public static func substitute(_ captures: [String], into target: String, name: String) -> String {
        guard isPattern(target) else { return target }
        let parts = target.split(separator: "*", omittingEmptySubsequences: false)
        guard captures.count <= parts.count - 1 else { return name }
        var result = String(parts[0])
        for (index, part) in parts.dropFirst().enumerated() {
            result += index < captures.count ? captures[index] : "*"
            result += part
        }
        return result
    }

    /// The classic wildcard scan: a mismatch after a star goes back to that star, which takes one
    /// byte more; only the latest star is ever returned to. Bounded by the name's length times
    /// the pattern's, and names longer than `maxNameLength` never match.
    private static func globMatches(_ pattern: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count <= maxNameLength else { return false }
        let star = UInt8(ascii: "*")
        var (p, n) = (0, 0)
        var lastStar: (pattern: Int, name: Int)?
        while n < name.count {
            if p < pattern.count, pattern[p] == star {
                lastStar = (p, n)
                p += 1
            } else if p < pattern.count, pattern[p] == name[n] {
                p += 1
                n += 1
            } else if let back = lastStar {
                lastStar = (back.pattern, back.name + 1)
                (p, n) = (back.pattern + 1, back.name + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }

    /// LiteLLM's order among patterns that match: the longer pattern first, then the one with
    /// more stars.
    public static func moreSpecific(_ a: ModelPattern, _ b: ModelPattern) -> Bool {
        a.text.utf8.count != b.text.utf8.count ? a.text.utf8.count > b.text.utf8.count : a.stars > b.stars
    }
}
