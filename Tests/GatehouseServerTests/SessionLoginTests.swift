import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Session login, live: passwords set through the management API, `/login`, the cookie, CSRF,
/// logout, and the ways a session ends — tried from the attacker's side too.
@Suite("Session login")
struct SessionLoginTests {
    static let password = "correct horse battery staple"

    var config: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        config.server.sessions.passwordHashCost = 4
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.lockout.failures = 2
        config.server.lockout.addressFailures = 10
        return config
    }

    /// A signed-in browser: its cookie and CSRF token.
    struct Browser {
        let cookie: String
        let csrf: String

        func headers(csrf withToken: Bool = true, from address: String? = nil) -> HTTPFields {
            var headers: HTTPFields = [.cookie: cookie]
            if withToken { headers[HTTPField.Name("x-csrf-token")!] = csrf }
            if let address { headers[HTTPField.Name("x-forwarded-for")!] = address }
            return headers
        }
    }

    func createUser(_ client: any TestClientProtocol, _ id: String, role: String = "internal_user") async throws {
        let created = try await client.post(
            "/user/new",
            ["user_id": .string(id), "user_email": .string("\(id)@example.com"), "user_role": .string(role), "password": .string(Self.password)])
        #expect(created.status == .ok)
    }

    func login(
        _ client: any TestClientProtocol, _ username: String, _ password: String = Self.password, from address: String = "198.51.100.1",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[HTTPField.Name("x-forwarded-for")!] = address
        return try await client.post("/login", ["username": .string(username), "password": .string(password)], headers: headers)
    }

    static func withoutDate(_ headers: HTTPFields) -> HTTPFields {
        var headers = headers
        headers[.date] = nil
        return headers
    }

    func signIn(_ client: any TestClientProtocol, _ username: String) async throws -> Browser {
        let response = try await login(client, username)
        #expect(response.status == .ok)
        let setCookie = try #require(response.headers[.setCookie])
        let cookie = try #require(setCookie.split(separator: ";").first).trimmingSpaces
        return Browser(cookie: cookie, csrf: try #require(response.json?["csrf_token"]?.stringValue))
    }

    @Test func aUserSignsInWorksWithTheCookieAndSignsOut() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada")
            let response = try await login(client, "ada@example.com")
            #expect(response.status == .ok && response.json?["user_id"] == "ada" && response.json?["user_role"] == "internal_user")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.hasPrefix("gatehouse_session=gsess-") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/") && !setCookie.contains("Domain") && !setCookie.contains("Secure"))
            #expect(response.headers[.cacheControl] == "no-store")
            let browser = Browser(
                cookie: try #require(setCookie.split(separator: ";").first).trimmingSpaces, csrf: response.json?["csrf_token"]?.stringValue ?? "")

            let session = try await client.get("/session", headers: browser.headers(csrf: false))
            #expect(session.status == .ok && session.json?["user_id"] == "ada" && session.json?["csrf_token"]?.stringValue == browser.csrf)
            let info = try await client.get("/user/info", headers: browser.headers(csrf: false))
            #expect(info.status == .ok && info.json?["user_id"] == "ada")
            // The user acts as themselves: their role, their reach.
            #expect(try await client.get("/user/list", headers: browser.headers(csrf: false)).status == .forbidden)
            // Changes need the CSRF token; model requests too (they spend).
            #expect(try await client.post("/key/generate", [:], headers: browser.headers(csrf: false)).status == .forbidden)
            let key = try await client.post("/key/generate", [:], headers: browser.headers())
            #expect(key.status == .ok && key.json?["user_id"] == "ada")
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: browser.headers(csrf: false)).status == .forbidden)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: browser.headers()).status == .ok)

            let logout = try await client.post("/logout", [:], headers: browser.headers())
            #expect(logout.status == .ok && logout.headers[.setCookie]?.hasPrefix("gatehouse_session=;") == true)
            #expect(logout.headers[.setCookie].map { $0.contains("Max-Age=0") && $0.contains("Path=/") } == true)
            // The cookie is dead on the server, not just forgotten by the browser.
            let after = try await client.get("/user/info", headers: browser.headers())
            #expect(after.status == .unauthorized && after.json?["error"]?["message"] == "The session has ended; sign in again.")

            let trail = try await client.get("/audit?action=auth.*&page_size=100").json?["records"]?.arrayValue ?? []
            #expect(trail.contains { $0["action"] == "auth.login" && $0["actor"] == "user:ada" && $0["address"] == "198.51.100.1" })
            #expect(trail.contains { $0["action"] == "auth.logout" && $0["actor"] == "session:ada" })
            // Signing out is no management change: one record, not two.
            #expect(try await client.get("/audit?action=logout").json?["total"] == 0)
            #expect(trail.contains { $0["action"] == "auth.failure" && $0["details"]?["method"] == "session" })
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"gatehouse_auth_attempts_total{method="password",outcome="success",reason="none"} 1"#))
            #expect(metrics.contains(#"gatehouse_auth_attempts_total{method="session",outcome="success",reason="none"}"#))
        }
    }

    @Test func anUnknownUserAndAWrongPasswordLookTheSame() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada")
            #expect(try await client.post("/user/new", ["user_id": "nopass", "auto_create_key": false]).status == .ok)
            let wrong = try await login(client, "ada", "not the password at all", from: "198.51.100.1")
            let unknown = try await login(client, "nobody", "not the password at all", from: "198.51.100.2")
            let noPassword = try await login(client, "nopass", "not the password at all", from: "198.51.100.3")
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            for other in [unknown, noPassword] {
                // The same headers, but for the clock's (`Date` may be a second later).
                #expect(
                    other.status == wrong.status && other.json == wrong.json && Self.withoutDate(other.headers) == Self.withoutDate(wrong.headers))
            }
            #expect(wrong.json?["error"]?["message"] == "Wrong username or password.")
            let failures = try await client.get("/audit?action=auth.failure").json?["records"]?.arrayValue ?? []
            #expect(failures.count == 3 && failures.allSatisfy { $0["details"]?["method"] == "password" })
            // A known user is named; a name nobody has (maybe a password typed in the wrong box) is not.
            #expect(failures.contains { $0["object"] == "user:ada" })
            #expect(!failures.contains { JSONCoding.encodeString($0).contains("nobody") })
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"gatehouse_auth_attempts_total{method="password",outcome="failure",reason="invalid"} 3"#))
        }
    }

    @Test func aNULInAUsernameABodyAnAddressOrAFormIsA400() async throws {
        try await withGatehouse(config) { client, _ in
            let response = try await login(client, "ada\u{0}", "not the password at all")
            #expect(response.status == .badRequest && response.json?["error"]?["param"] == "username")
            let keyed = try await client.post("/key/generate", ["key_alias": "al\u{0}ias"])
            #expect(keyed.status == .badRequest && keyed.json?["error"]?["param"] == "key_alias")
            // In an address (a key looked up by a query parameter) and in a form.
            let info = try await client.get("/key/info?key=sk-%00")
            #expect(info.status == .badRequest && info.json?["error"]?["message"]?.stringValue?.contains("NUL") == true)
            #expect(try await client.get("/key/info?key=sk-%2500").status != .badRequest)
            let form = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=ada%00&password=x")
            ) { $0 }
            #expect(form.status == .badRequest)
            #expect(form.headers[.setCookie] == nil)
        }
    }

    @Test func guessingAPasswordFromOneAddressLocksOnlyThatAddressOut() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada")
            let attacker = "203.0.113.9"
            // By id, then by email: the same user, one count.
            #expect(try await login(client, "ada", "guess number one!", from: attacker).status == .unauthorized)
            #expect(try await login(client, "ada@example.com", "guess number two!", from: attacker).status == .unauthorized)
            // Blocked for this user from there, even with the right password.
            let blocked = try await login(client, "ada", from: attacker)
            // The lockout's 60 s, counted from the second guess: a second or more may have passed
            // by the time the slow password check of this one ends (a loaded machine).
            let retryAfter = blocked.headers[.retryAfter].flatMap { Int($0) }
            #expect(blocked.status == .tooManyRequests && retryAfter.map { (50...60).contains($0) } == true, "\(String(describing: retryAfter))")
            // Ada, elsewhere, is not locked out.
            #expect(try await login(client, "ada", from: "198.51.100.7").status == .ok)
            let lockouts = try await client.get("/audit?action=auth.lockout").json?["records"]?.arrayValue ?? []
            #expect(lockouts.count == 1 && lockouts.first?["object"] == "user:ada" && lockouts.first?["details"]?["method"] == "password")
            let blocks = try await client.get("/lockout/list").json?["blocks"]?.arrayValue ?? []
            let subject = try #require(blocks.first?["subject"]?.stringValue)
            #expect(blocks.count == 1 && subject == "login:ada|" + attacker)
            #expect(try await client.post("/lockout/unlock", ["subject": .string(subject)]).status == .ok)
            #expect(try await login(client, "ada", from: attacker).status == .ok)
        }
    }

    @Test func theMasterKeySignsInAsAdminWithTheSameLockoutAndAudit() async throws {
        try await withGatehouse(config) { client, _ in
            let attacker = "203.0.113.9"
            #expect(try await login(client, "admin", "not the master key", from: attacker).status == .unauthorized)
            #expect(try await login(client, "admin", "still not the key", from: attacker).status == .unauthorized)
            #expect(try await login(client, "admin", TestKeys.master, from: attacker).status == .tooManyRequests)

            let response = try await login(client, "admin", TestKeys.master)
            #expect(response.status == .ok && response.json?["user_role"] == "proxy_admin" && response.json?["user_id"] == "admin")
            let cookie = try #require(response.headers[.setCookie]?.split(separator: ";").first).trimmingSpaces
            let admin = Browser(cookie: cookie, csrf: try #require(response.json?["csrf_token"]?.stringValue))
            #expect(try await client.get("/session", headers: admin.headers()).json?["user_role"] == "proxy_admin")
            // A proxy admin's session: it manages users (with its CSRF token).
            #expect(try await client.post("/user/new", ["user_id": "carol"], headers: admin.headers()).status == .ok)
            // The master key is no user's password, and its sessions' id no user's id.
            #expect(try await login(client, "carol", TestKeys.master).status == .unauthorized)
            #expect(try await client.post("/user/new", ["user_id": "gatehouse:master:0123456789abcdef"]).status == .badRequest)
            let trail = try await client.get("/audit?action=auth.login").json?["records"]?.arrayValue ?? []
            #expect(trail.contains { $0["actor"] == "master" && $0["outcome"] == "success" && $0["details"]?["as"] == "master_key" })
            #expect(!(try await client.get("/audit").text.contains(TestKeys.master)))
        }
    }

    @Test func changingThePasswordOrDeletingTheUserEndsTheirSessions() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada")
            try await createUser(client, "bob")
            let ada = try await signIn(client, "ada")
            let bob = try await signIn(client, "bob")
            let changed = try await client.post("/user/update", ["user_id": "ada", "password": "a brand new passphrase"])
            #expect(changed.status == .ok)
            #expect(try await client.get("/session", headers: ada.headers()).status == .unauthorized)
            #expect(try await login(client, "ada").status == .unauthorized)
            #expect(try await login(client, "ada", "a brand new passphrase").status == .ok)
            // The change is audited without the password.
            let update = JSONCoding.encodeString(try #require(try await client.get("/audit?action=user.update").json?["records"]?.arrayValue?.first))
            #expect(update.contains("password set") && !update.contains("brand new"))

            #expect(try await client.get("/session", headers: bob.headers()).status == .ok)
            #expect(try await client.post("/user/delete", ["user_ids": ["bob"]]).status == .ok)
            #expect(try await client.get("/session", headers: bob.headers()).status == .unauthorized)

            // Too short a password is refused, and nothing is created.
            let short = try await client.post("/user/new", ["user_id": "carol", "password": "short"])
            #expect(short.status == .badRequest && short.json?["error"]?["param"] == "password")
            #expect(try await client.get("/user/info?user_id=carol").status == .notFound)
        }
    }

    @Test func forgedCrossSiteAndStaleCookiesAreRefused() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada", role: "proxy_admin")
            let ada = try await signIn(client, "ada")
            // A cookie nobody issued, one of the wrong shape, one with a flipped character.
            let forged = "gatehouse_session=gsess-" + String(repeating: "A", count: 43)
            var flipped = Array(ada.cookie)
            flipped[flipped.count - 1] = flipped.last == "A" ? "B" : "A"
            for cookie in [forged, "gatehouse_session=sk-not-a-session", String(flipped)] {
                #expect(try await client.get("/session", headers: [.cookie: cookie]).status == .unauthorized)
            }
            // Another site's page: a foreign Origin or Sec-Fetch-Site, even with the right token.
            var foreign = ada.headers()
            foreign[.origin] = "https://evil.example"
            #expect(try await client.post("/user/new", ["user_id": "mallory"], headers: foreign).status == .forbidden)
            var crossSite = ada.headers()
            crossSite[HTTPField.Name("sec-fetch-site")!] = "cross-site"
            #expect(try await client.post("/user/new", ["user_id": "mallory"], headers: crossSite).status == .forbidden)
            var wrongToken = ada.headers(csrf: false)
            wrongToken[HTTPField.Name("x-csrf-token")!] = SessionLoginTests.password
            #expect(try await client.post("/user/new", ["user_id": "mallory"], headers: wrongToken).status == .forbidden)
            #expect(try await client.get("/user/info?user_id=mallory").status == .notFound)
            let refused = try await client.get("/audit?action=auth.cross_site").json?["records"]?.arrayValue ?? []
            #expect(refused.count == 3 && refused.allSatisfy { $0["actor"] == "session:ada" && $0["outcome"] == "denied" })
            // Same origin (the test client sends `Host: localhost`) with the token: allowed.
            var sameOrigin = ada.headers()
            sameOrigin[.origin] = "http://localhost"
            #expect(try await client.post("/user/new", ["user_id": "carol"], headers: sameOrigin).status == .ok)
            // A login form posted from another site is refused too (login CSRF).
            #expect(try await login(client, "ada", headers: [.origin: "https://evil.example"]).status == .forbidden)

            // A key in the header decides, whatever the cookie: a bad key is a 401.
            var both = ada.headers()
            both[.authorization] = "Bearer sk-wrong-key-with-a-session-cookie"
            #expect(try await client.get("/session", headers: both).status == .unauthorized)
        }
    }

    @Test func signingInAgainReplacesTheSessionAndSessionsExpire() async throws {
        var config = self.config
        config.server.sessions.lifetimeSeconds = 3600
        config.server.sessions.idleSeconds = 7200
        let clock = TestClock()
        try await withGatehouse(config, clock: clock) { client, _ in
            try await createUser(client, "ada")
            let first = try await signIn(client, "ada")
            // A new session id at sign-in; the one the browser held ends (no session fixation).
            let second = try await login(client, "ada", headers: [.cookie: first.cookie])
            #expect(second.status == .ok && second.headers[.setCookie]?.hasPrefix(first.cookie) == false)
            #expect(try await client.get("/session", headers: first.headers()).status == .unauthorized)
            let cookie = try #require(second.headers[.setCookie]?.split(separator: ";").first).trimmingSpaces
            #expect(try await client.get("/session", headers: [.cookie: cookie]).status == .ok)
            clock.advance(3500)
            #expect(try await client.get("/session", headers: [.cookie: cookie]).status == .ok)
            clock.advance(100)
            #expect(try await client.get("/session", headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test func aUserChangesTheirOwnPasswordProvingTheCurrentOne() async throws {
        try await withGatehouse(config) { client, _ in
            try await createUser(client, "ada")
            let laptop = try await signIn(client, "ada")
            let phone = try await signIn(client, "ada")
            func change(_ browser: Browser, _ current: String, _ new: String, csrf: Bool = true) async throws -> TestResponse {
                try await client.post(
                    "/session/password", ["current_password": .string(current), "new_password": .string(new)], headers: browser.headers(csrf: csrf))
            }
            #expect(try await change(laptop, Self.password, "a brand new passphrase", csrf: false).status == .forbidden)
            let wrong = try await change(laptop, "not my password at all", "a brand new passphrase")
            #expect(wrong.status == .forbidden && wrong.json?["error"]?["message"] == "The current password is wrong.")
            #expect(try await change(laptop, Self.password, "short").status == .badRequest)
            let changed = try await change(laptop, Self.password, "a brand new passphrase")
            #expect(changed.status == .ok && changed.json?["user_id"] == "ada")
            let cookie = try #require(changed.headers[.setCookie]?.split(separator: ";").first).trimmingSpaces
            // Every other session ended, this browser's replaced; the new password signs in.
            #expect(try await client.get("/session", headers: laptop.headers()).status == .unauthorized)
            #expect(try await client.get("/session", headers: phone.headers()).status == .unauthorized)
            #expect(try await client.get("/session", headers: [.cookie: cookie]).status == .ok)
            #expect(try await login(client, "ada").status == .unauthorized)
            #expect(try await login(client, "ada", "a brand new passphrase").status == .ok)
            let trail = try await client.get("/audit?object=user:ada&page_size=100").json?["records"]?.arrayValue ?? []
            #expect(trail.contains { $0["action"] == "auth.password_change" && $0["actor"] == "session:ada" })
            #expect(trail.contains { $0["action"] == "auth.failure" && $0["details"]?["reason"] == "The current password is wrong." })
            #expect(!JSONCoding.encodeString(.array(trail)).contains("brand new"))
        }
    }
}
