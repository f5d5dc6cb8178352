import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Logging
import Testing

@Suite("Sessions as credentials")
struct SessionAuthenticatorTests {
    func withSessions(_ body: @Sendable (SessionAuthenticator, IdentityStore, TestClock) async throws -> Void) async throws {
        let connection = try await StoreConnection.inMemory(logger: Logger(label: "test"))
        let store = IdentityStore(source: connection.source)
        try await store.migrate()
        let cache = IdentityCache()
        var user = User(id: "ada")
        user.role = .proxyAdminViewer
        user.models = ["mock-gpt"]
        user.limits.maxBudget = 5
        try await store.directory.insert(user)
        cache.put(user)
        let clock = TestClock()
        let sessions = SessionAuthenticator(store: store.logins, cache: cache, lifetime: 3600, idleTimeout: 600, now: { clock.now })
        do {
            try await body(sessions, store, clock)
        } catch {
            try await (connection.source as? SQLiteSource)?.close()
            throw error
        }
        try await (connection.source as? SQLiteSource)?.close()
    }

    @Test func aSessionIsItsUsersPrincipalUntilItIdlesOut() async throws {
        try await withSessions { sessions, store, clock in
            let (token, session) = try await sessions.start(userID: "ada", address: "10.0.0.1")
            #expect(session.id == token.storageID && session.expiresAt == clock.now + 3600)
            let principal = try await sessions.authenticate(token)
            #expect(principal.id == "session:ada" && principal.method == .session && principal.role == .proxyAdminViewer)
            #expect(principal.userID == "ada" && principal.inheritedModels == [ModelBound(.user, ["mock-gpt"])])
            #expect(principal.limitSubjects.map(\.id) == ["user:ada"])
            // Activity keeps it alive (last seen is written once a minute at most)...
            clock.advance(500)
            _ = try await sessions.authenticate(token)
            clock.advance(500)
            _ = try await sessions.authenticate(token)
            // ...ten minutes without a request ends it, and it is gone from the store.
            clock.advance(601)
            await #expect(throws: GatewayError.self) { try await sessions.authenticate(token) }
            #expect(try await store.logins.session(id: token.storageID) == nil)
        }
    }

    @Test func aMasterKeySessionEndsWhenTheMasterKeyChanges() async throws {
        try await withSessions { sessions, store, _ in
            let old = MasterSignIn(masterKey: "sk-old-master-key-0123456789abcdefghij")
            let signedIn = SessionAuthenticator(store: store.logins, cache: IdentityCache(), lifetime: 3600, idleTimeout: 600, master: old)
            let (token, _) = try await signedIn.start(userID: old.sessionUserID, address: nil)
            let principal = try await signedIn.authenticate(token)
            #expect(principal.role == .proxyAdmin && principal.userID == nil && principal.method == .session)
            #expect(old.matches("sk-old-master-key-0123456789abcdefghij") && !old.matches("sk-old-master-key-0123456789abcdefghiJ"))
            let rotated = SessionAuthenticator(
                store: store.logins, cache: IdentityCache(), lifetime: 3600, idleTimeout: 600,
                master: MasterSignIn(masterKey: "sk-new-master-key-0123456789abcdefghij"))
            await #expect(throws: GatewayError.self) { try await rotated.authenticate(token) }
            // Without a master sign-in at all (the default), such a session is nobody's.
            await #expect(throws: GatewayError.self) { try await sessions.authenticate(token) }
        }
    }

    @Test func noActivityOutlivesTheLifetime() async throws {
        try await withSessions { sessions, _, clock in
            let (token, _) = try await sessions.start(userID: "ada", address: nil)
            // A request every 500 s (within the idle timeout) for 3500 s: still signed in...
            for _ in 0..<7 {
                clock.advance(500)
                _ = try await sessions.authenticate(token)
            }
            // ...but not past the hour, however active.
            clock.advance(200)
            await #expect(throws: GatewayError.self) { try await sessions.authenticate(token) }
        }
    }

    @Test func aWrongShapeAnUnknownSecretAndAnEndedSessionAreRefused() async throws {
        try await withSessions { sessions, _, _ in
            for secret in ["", "gsess-short", "sk-" + String(repeating: "a", count: 46), SessionToken.generate().secret] {
                await #expect(throws: GatewayError.self) { try await sessions.authenticate(SessionToken(secret: secret)) }
            }
            let (token, _) = try await sessions.start(userID: "ada", address: nil)
            #expect(try await sessions.end(token))
            #expect(try await !sessions.end(token))
            await #expect(throws: GatewayError.self) { try await sessions.authenticate(token) }
        }
    }
}
