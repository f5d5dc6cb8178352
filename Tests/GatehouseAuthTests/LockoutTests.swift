import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import Testing

@testable import GatehouseAuth

@Suite("Lockout and the principals of tokens")
struct LockoutTests {
    /// Attack (finding 11): a burst of parallel wrong passwords, each checked by a slow bcrypt,
    /// got more guesses than the limit when attempts were counted after the check. Attempts are
    /// now taken before it: the threshold bounds the guesses under way and failed together.
    @Test func aParallelBurstGetsNoMoreGuessesThanTheLimit() {
        let lockout = Lockout(threshold: 5, window: 300, firstBlock: 60, longestBlock: 3600)
        let now = Date()
        let admitted = (0..<50).filter { _ in lockout.beginAttempt("login:alice|198.51.100.7", at: now) }.count
        #expect(admitted == 5)
        for _ in 0..<admitted { lockout.recordFailure("login:alice|198.51.100.7", at: now) }
        #expect(lockout.retryAfter("login:alice|198.51.100.7", at: now) != nil)
        #expect(!lockout.beginAttempt("login:alice|198.51.100.7", at: now + 1))
        // A success ends the attempts; an attempt whose request vanished stops counting after a minute.
        #expect(lockout.beginAttempt("login:bob|198.51.100.7", at: now))
        lockout.recordSuccess("login:bob|198.51.100.7")
        for _ in 0..<5 { #expect(lockout.beginAttempt("login:carol|198.51.100.7", at: now)) }
        #expect(!lockout.beginAttempt("login:carol|198.51.100.7", at: now))
        #expect(lockout.beginAttempt("login:carol|198.51.100.7", at: now + 61))
    }

    /// Issue 19, point 7: an exchange whose read of the shared store began before a lift here
    /// brought the lifted block back (the two-instance test saw B refuse right after B lifted).
    @Test func aReadThatBeganBeforeALiftDoesNotUndoIt() {
        let lockout = Lockout(threshold: 1, window: 60, firstBlock: 100, longestBlock: 1000)
        let now = Date()
        lockout.adopt(["theirs": now + 100], published: [], readAt: now)
        #expect(lockout.retryAfter("theirs", at: now + 1) != nil)
        // The next exchange reads at now + 2 (the row is still there), the lift lands at now + 3,
        // then that exchange adopts what it read.
        #expect(lockout.unblock("theirs", at: now + 3))
        lockout.adopt(["theirs": now + 100], published: [], readAt: now + 2)
        #expect(lockout.retryAfter("theirs", at: now + 4) == nil)
        // A read that began after the lift is believed again (blocked anew elsewhere).
        lockout.adopt(["theirs": now + 200], published: [], readAt: now + 5)
        #expect(lockout.retryAfter("theirs", at: now + 6) != nil)
    }

    @Test func sharedBlocksAreAdoptedAndOnesLiftedElsewhereEnd() {
        let lockout = Lockout(threshold: 1, window: 60, firstBlock: 100, longestBlock: 1000)
        let now = Date()
        #expect(lockout.recordFailure("mine", at: now))
        #expect(lockout.unshared(at: now).map(\.subject) == ["mine"])
        // Published, then read back with another instance's block.
        lockout.adopt(["mine": now + 100, "theirs": now + 50], published: ["mine"], readAt: now + 1)
        #expect(lockout.unshared(at: now + 1).isEmpty)
        #expect(lockout.retryAfter("theirs", at: now + 1) == 49 && lockout.mayBlock(at: now + 40))
        #expect(Set(lockout.blocks(at: now + 1).map(\.subject)) == ["mine", "theirs"])
        // Both lifted elsewhere: gone from the store, so gone here.
        lockout.adopt([:], published: [], readAt: now + 2)
        #expect(lockout.retryAfter("mine", at: now + 2) == nil && lockout.retryAfter("theirs", at: now + 2) == nil)
        // A block begun after the last read is kept until it has been published and read.
        #expect(lockout.recordFailure("new", at: now + 3))
        lockout.adopt([:], published: [], readAt: now + 3)
        #expect(lockout.retryAfter("new", at: now + 3) != nil)
        #expect(lockout.unblock("new", at: now + 3) && !lockout.unblock("new", at: now + 3))
    }

    @Test func repeatedFailuresBlockWithGrowingDurations() {
        let lockout = Lockout(threshold: 3, window: 60, firstBlock: 10, longestBlock: 25)
        var now = Date()
        #expect(!lockout.recordFailure("c|1.2.3.4", at: now))
        #expect(!lockout.recordFailure("c|1.2.3.4", at: now))
        #expect(lockout.retryAfter("c|1.2.3.4", at: now) == nil)
        #expect(!lockout.mayBlock(at: now))
        #expect(lockout.recordFailure("c|1.2.3.4", at: now))
        // The lock-free check says a block may exist until the last one ends.
        #expect(lockout.mayBlock(at: now + 9) && !lockout.mayBlock(at: now + 10.5))
        #expect(lockout.retryAfter("c|1.2.3.4", at: now) == 10)
        // The same client from another address is not blocked.
        #expect(lockout.retryAfter("c|5.6.7.8", at: now) == nil)
        now += 11
        #expect(lockout.retryAfter("c|1.2.3.4", at: now) == nil)
        for _ in 0..<3 { lockout.recordFailure("c|1.2.3.4", at: now) }
        #expect(lockout.retryAfter("c|1.2.3.4", at: now) == 20)
        now += 21
        for _ in 0..<3 { lockout.recordFailure("c|1.2.3.4", at: now) }
        #expect(lockout.retryAfter("c|1.2.3.4", at: now) == 25)
        // Failures spread wider than the window never add up; a success forgets them.
        lockout.recordSuccess("c|1.2.3.4")
        for step in 0..<5 { lockout.recordFailure("slow|1.2.3.4", at: now + Double(step) * 31) }
        #expect(lockout.retryAfter("slow|1.2.3.4", at: now + 130) == nil)
    }

    @Test func scopesOpenRoutes() async throws {
        var settings = JWTIssuerSettings(name: "idp", issuer: "https://idp.test", audiences: ["gatehouse"], algorithms: ["HS256"])
        let secret = String(repeating: "k", count: 32)
        settings.keys = [.init(kid: nil, material: .secret(secret), path: "k")]
        settings.mapping.scopeRoutes = ["chat": ["llm_api_routes"], "admin": ["management_routes"]]
        let auth = JWTAuthenticator(issuers: [try JWTIssuerKeys(settings: settings, fetcher: FakeJWKS())], cache: IdentityCache())
        var claims = TestJWT.claims()
        claims["scope"] = "openid chat"
        let principal = try await AuthenticatorChain([auth]).authenticate(
            PresentedCredential(secret: TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(secret))))
        #expect(principal.allowedRoutes == ["llm_api_routes"])
        #expect(
            RouteAccess.allows(principal.allowedRoutes, path: "/v1/chat/completions")
                && !RouteAccess.allows(principal.allowedRoutes, path: "/key/generate"))
        claims["scope"] = "openid"
        await #expect(throws: GatewayError.self) {
            try await AuthenticatorChain([auth]).authenticate(
                PresentedCredential(secret: TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(secret))))
        }
    }

    @Test func anOAuthClientsTokenCarriesTheClientsLimits() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let source = try await SQLiteSource.inMemory(logger: logger)
        let store = IdentityStore(source: source)
        try await store.migrate()
        let ring = SigningKeyRing(store: store.oauth, masterKey: "m", settings: OAuthServerSettings())
        try await ring.load()
        let cache = IdentityCache()
        var client = OAuthClient(id: "client_1", secretHash: APIKeyFormat.hash("s"))
        client.limits = Limits(rpmLimit: 30, tpmLimit: 1000)
        client.models = ["mock-gpt"]
        cache.put(client)
        let auth = OwnTokenAuthenticator(issuer: "https://gh.test", ring: ring, cache: cache)
        let token = try auth.issue(to: client, scopes: ["chat"], lifetime: 60)
        let principal = try #require(try await auth.authenticate(PresentedCredential(secret: token)))
        #expect(principal.limits == Limits(rpmLimit: 30, tpmLimit: 1000) && principal.mayUse(model: "mock-gpt") && !principal.mayUse(model: "x"))
        // After a restart (a new ring and cache on the same store), the stored key still signs and
        // verifies, and a stored revocation still holds.
        let restarted = SigningKeyRing(store: store.oauth, masterKey: "m", settings: OAuthServerSettings())
        try await restarted.load()
        #expect(restarted.currentKeyID == ring.currentKeyID)
        let freshCache = IdentityCache()
        freshCache.put(client)
        let afterRestart = OwnTokenAuthenticator(issuer: "https://gh.test", ring: restarted, cache: freshCache)
        #expect(try await afterRestart.authenticate(PresentedCredential(secret: token)) != nil)
        let claims = try #require(try await afterRestart.verify(token, at: Date()))
        try await store.oauth.revoke(tokenID: claims.tokenID, expiresAt: claims.expiresAt)
        try await freshCache.reload(from: store)
        #expect(freshCache.isRevoked(tokenID: claims.tokenID))
        // Keys sealed under another master key cannot be opened: a new one is made.
        let other = SigningKeyRing(store: store.oauth, masterKey: "another", settings: OAuthServerSettings())
        try await other.load()
        #expect(other.currentKeyID != nil && other.currentKeyID != ring.currentKeyID)
        try await source.close()
    }
}
