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
}
