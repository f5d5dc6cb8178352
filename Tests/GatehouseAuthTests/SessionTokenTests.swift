import GatehouseAuth
import Testing

@Suite("Session tokens and passwords")
struct SessionTokenTests {
    @Test func tokensAreRandomWellFormedAndTheirCSRFTokenIsTheirOwn() {
        let one = SessionToken.generate()
        let two = SessionToken.generate()
        #expect(one != two && SessionToken.isWellFormed(one.secret) && SessionToken.isWellFormed(two.secret))
        #expect(!SessionToken.isWellFormed("gsess-short") && !SessionToken.isWellFormed(String(one.secret.dropFirst())))
        #expect(one.storageID.count == 64 && !one.storageID.contains(one.secret))
        #expect(one.acceptsCSRF(one.csrfToken))
        #expect(!one.acceptsCSRF(two.csrfToken) && !one.acceptsCSRF("") && !one.acceptsCSRF(one.secret))
    }

    @Test func passwordsAreCheckedHashedAndVerified() async throws {
        #expect(throws: (any Error).self) { try PasswordHasher.check("short") }
        #expect(throws: (any Error).self) { try PasswordHasher.check(String(repeating: "é", count: 40)) }  // 80 bytes
        #expect(throws: (any Error).self) { try PasswordHasher.check("twelve chars\u{0}!") }
        try PasswordHasher.check("correct horse battery")
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2") && !hash.contains("correct"))
        #expect(await hasher.verify("correct horse battery", hash: hash))
        #expect(await !hasher.verify("correct horse batterY", hash: hash))
        // No such user: the same work, never a match, not even for the dummy's own text.
        #expect(await !hasher.verify("gatehouse-no-such-user", hash: nil))
        // Past 72 bytes bcrypt would compare a prefix: refused instead.
        let long = String(repeating: "a", count: 72)
        let longHash = try await hasher.hash(long)
        #expect(await hasher.verify(long, hash: longHash))
        #expect(await !hasher.verify(long + "tail", hash: longHash))
    }
}
