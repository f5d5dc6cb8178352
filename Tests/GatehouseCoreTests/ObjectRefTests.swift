import GatehouseCore
import Testing

@Suite("Object references")
struct ObjectRefTests {
    @Test func eachKindIsWrittenAndReadOneWay() {
        let all: [ObjectRef] = [
            .key("k_1"), .user("a@b.c"), .team("t"), .organization("o"), .client("c"), .certificate("sha256:ab"), .token("j"), .endUser("e"),
            .budget("b"),
        ]
        for ref in all { #expect(ObjectRef(ref.description) == ref, "\(ref)") }
        #expect(ObjectRef.user("a:b").description == "user:a:b" && ObjectRef("user:a:b") == .user("a:b"))
        #expect(ObjectRef("address:10.0.0.1") == nil && ObjectRef("no-colon") == nil)
    }
}
