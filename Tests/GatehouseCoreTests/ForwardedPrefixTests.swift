import GatehouseCore
import Testing

@Suite("X-Forwarded-Prefix")
struct ForwardedPrefixTests {
    @Test func aPlainPathIsTakenWithoutItsTrailingSlash() {
        #expect(ForwardedPrefix.parse("/gatehouse") == "/gatehouse")
        #expect(ForwardedPrefix.parse("/gatehouse/") == "/gatehouse")
        #expect(ForwardedPrefix.parse("/a/b-c_d.e~f") == "/a/b-c_d.e~f")
    }

    @Test func anythingElseIsIgnored() {
        for bad in [
            nil, "", "/", "gatehouse", "//evil.example", "/a//b", "/a/../b", "/./a", "/a b", "/%2e%2e", "/a\\b", "/a?b", "/a#b", "/ä",
            "/" + String(repeating: "a", count: 300),
        ] {
            #expect(ForwardedPrefix.parse(bad) == nil, "\(bad ?? "nil")")
        }
    }
}
