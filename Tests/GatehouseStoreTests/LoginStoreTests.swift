import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("Passwords and sessions in the store")
struct LoginStoreTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func withStore(_ kind: StoreKind, _ body: @Sendable (IdentityStore) async throws -> Void) async throws {
        try await StoreFixture.withSource(kind) { source in
            let store = IdentityStore(source: source)
            try await store.migrate()
            try await body(store)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPasswordHashIsKeptApartFromTheUserRecord(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.directory.insert(User(id: "ada", createdAt: start))
            #expect(try await store.logins.passwordHash(userID: "ada") == nil)
            #expect(try await store.logins.setPasswordHash("$2b$04$hash", userID: "ada"))
            #expect(try await !store.logins.setPasswordHash("$2b$04$other", userID: "nobody"))
            // Updating the user through the directory leaves the password alone.
            var user = try #require(try await store.directory.user(id: "ada"))
            user.alias = "Ada"
            try await store.directory.update(user)
            #expect(try await store.logins.passwordHash(userID: "ada") == "$2b$04$hash")
            #expect(try await store.logins.passwordHash(userID: "nobody") == nil)
            // Changing it (or removing it) ends the user's sessions, no one else's.
            try await store.logins.insert(LoginSession(id: "s1", userID: "ada", createdAt: start, expiresAt: start + 3600, address: nil))
            try await store.logins.insert(LoginSession(id: "s2", userID: "bob", createdAt: start, expiresAt: start + 3600, address: nil))
            try await store.logins.setPasswordHash(nil, userID: "ada")
            #expect(try await store.logins.passwordHash(userID: "ada") == nil)
            #expect(try await store.logins.session(id: "s1") == nil)
            #expect(try await store.logins.session(id: "s2") != nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sessionsAreFoundTouchedAndEnded(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let logins = store.logins
            let session = LoginSession(id: "a1", userID: "ada", createdAt: start, expiresAt: start + 3600, address: "10.0.0.1")
            try await logins.insert(session)
            try await logins.insert(LoginSession(id: "a2", userID: "ada", createdAt: start, expiresAt: start + 3600, address: nil))
            try await logins.insert(LoginSession(id: "b1", userID: "bob", createdAt: start, expiresAt: start + 60, address: nil))
            #expect(try await logins.session(id: "a1") == session)
            #expect(try await logins.session(id: "zz") == nil)
            try await logins.touch(id: "a1", at: start + 120)
            #expect(try await logins.session(id: "a1")?.lastSeenAt == start + 120)

            // Past its lifetime (b1), or idle since before the cut (a2); a1 was seen since.
            try await logins.deleteExpired(now: start + 100, idleSince: start + 50)
            #expect(try await logins.session(id: "b1") == nil)
            #expect(try await logins.session(id: "a2") == nil)
            #expect(try await logins.session(id: "a1") != nil)

            try await logins.insert(LoginSession(id: "a3", userID: "ada", createdAt: start, expiresAt: start + 3600, address: nil))
            #expect(try await logins.delete(id: "a3"))
            #expect(try await !logins.delete(id: "a3"))
            try await logins.insert(LoginSession(id: "a4", userID: "ada", createdAt: start, expiresAt: start + 3600, address: nil))
            #expect(try await logins.deleteSessions(userIDs: ["ada", "bob"]) == 2)
            #expect(try await logins.session(id: "a1") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aUsersSessionsAreListedNewestUseFirstAndAllButOneEnd(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let logins = store.logins
            for (index, id) in ["a1", "a2", "a3"].enumerated() {
                try await logins.insert(LoginSession(id: id, userID: "ada", createdAt: start, expiresAt: start + 3600, address: "10.0.0.\(index)"))
            }
            try await logins.insert(LoginSession(id: "b1", userID: "bob", createdAt: start, expiresAt: start + 3600, address: nil))
            try await logins.touch(id: "a1", at: start + 60)
            let listed = try await logins.sessions(userID: "ada")
            #expect(listed.map(\.id).first == "a1" && Set(listed.map(\.id)) == ["a1", "a2", "a3"])
            #expect(listed.first?.lastSeenAt == start + 60 && listed.first?.address == "10.0.0.0")
            #expect(try await logins.deleteSessions(userID: "ada", except: "a2") == 2)
            #expect(try await logins.sessions(userID: "ada").map(\.id) == ["a2"])
            #expect(try await logins.sessions(userID: "bob").map(\.id) == ["b1"], "another user's sessions stay")
            #expect(try await logins.deleteSessions(userID: "ada", except: "a2") == 0)
        }
    }
}
