import Testing

@testable import GatehouseStore

@Suite("Change feed text")
struct IdentityChangeTextTests {
    /// What instances of different versions write to each other must read the same: a key's bare
    /// id, `kind:<id>` for the rest, `revoked:<jti>`.
    @Test func theFeedsSpellingIsStable() {
        let spelled: [(IdentityChange, String)] = [
            (.key("key_1"), "key_1"), (.user("u"), "user:u"), (.team("t"), "team:t"), (.organization("o"), "organization:o"),
            (.oauthClient("c"), "client:c"), (.certificate("spiffe://x"), "certificate:spiffe://x"), (.revokedToken("j"), "revoked:j"),
            (.endUser("e"), "end_user:e"), (.budget("b"), "budget:b"),
        ]
        for (change, text) in spelled {
            #expect(change.text == text)
            #expect(IdentityChange(text: text) == change)
        }
    }
}
