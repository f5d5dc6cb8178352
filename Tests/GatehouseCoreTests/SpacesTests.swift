import GatehouseCore
import Testing

@Suite("Trimming spaces")
struct SpacesTests {
    @Test func leadingAndTrailingSpacesAndTabsGoAndNothingElse() {
        #expect(" \t Bearer sk-1 \t".trimmingSpaces == "Bearer sk-1")
        #expect("a b".trimmingSpaces == "a b")
        #expect("   ".trimmingSpaces == "")
        #expect("".trimmingSpaces == "")
        #expect("\u{00A0}x\n".trimmingSpaces == "\u{00A0}x\n")
        #expect(" é ✓ ".trimmingSpaces == "é ✓")
        #expect("x, y ,z".split(separator: ",").map(\.trimmingSpaces) == ["x", "y", "z"])
    }

    /// A string with nothing to trim is answered as it is, one with something by a copy: both
    /// ways, and a substring's, agree on every input.
    @Test func aStringAndItsSubstringTrimTheSame() {
        for text in ["sk-live-0123456789abcdef0123456789", " sk-1", "sk-1\t", " \t ", "", "é ✓", " é ✓ ", "a \u{00A0}", "\t\tx y\t"] {
            let whole = "[" + text + "]"
            let inner = whole.dropFirst().dropLast()
            #expect(text.trimmingSpaces == inner.trimmingSpaces)
            #expect(text.trimmingSpaces == String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()))
        }
    }
}
