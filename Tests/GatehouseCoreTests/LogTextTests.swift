import GatehouseCore
import Testing

@Suite("Text log escaping")
struct LogTextTests {
    /// Attack (finding 9): a client certificate whose subject holds a newline wrote a forged
    /// line into the text log; a space and `=` could forge a field within one.
    @Test func aValueCannotStartALineOrForgeAField() {
        let subject = "CN=mallory\n2026-12-03T08:00:00Z info gatehouse: client certificate accepted"
        let written = LogText.value(subject)
        #expect(!written.contains("\n") && written.hasPrefix("\"") && written.contains("\\n"))
        #expect(LogText.value("ok reason=forged") == #""ok reason=forged""#)
        #expect(LogText.value("plain-value_1.2") == "plain-value_1.2")
        #expect(LogText.value("") == #""""#)
        for separator in ["\r", "\u{2028}", "\u{2029}", "\u{85}", "\u{1B}[31m"] {
            #expect(
                !LogText.value("a\(separator)b").unicodeScalars.contains {
                    $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}"
                })
            #expect(!LogText.message("a\(separator)b").contains(separator))
        }
        #expect(LogText.message("line one\nline two") == "line one\\nline two")
    }
}
