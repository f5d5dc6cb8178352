import Foundation
import GatehouseCore
import GatehouseStore
import Synchronization
import Testing

@testable import GatehouseAuth

@Suite("OAuth 2.0 token introspection")
struct IntrospectionTests {
    func endpoint(_ authentication: IntrospectionSettings.ClientAuthentication = .basic) -> IntrospectionSettings {
        var settings = IntrospectionSettings(name: "as", url: "https://as.test/introspect", clientID: "gatehouse", clientSecret: "s3cret &=")
        settings.authentication = authentication
        settings.cacheSeconds = 60
        settings.issuer = "https://as.test"
        settings.audiences = ["gatehouse"]
        return settings
    }

    func outcome(_ auth: IntrospectionAuthenticator, _ token: String) async -> Result<Principal, GatewayError> {
        do {
            return .success(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token)))
        } catch let error as GatewayError {
            return .failure(error)
        } catch {
            return .failure(.internalError("\(error)"))
        }
    }

    func status(_ auth: IntrospectionAuthenticator, _ token: String) async -> Int {
        switch await outcome(auth, token) {
        case .success: 200
        case .failure(let error): error.status
        }
    }

    func active(exp: Double, extra: [String: JSONValue] = [:]) -> JSONValue {
        var answer: JSONValue = ["active": true, "sub": "alice", "iss": "https://as.test", "aud": "gatehouse", "exp": .number(exp), "scope": "read"]
        for (name, value) in extra { answer[name] = value }
        return answer
    }

    @Test func anActiveTokenIsAPrincipalAndGatehouseAuthenticatesItself() async throws {
        let http = FakeJWKS()
        let clock = TestClock()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache(), now: { clock.now })
        http.answer("opaque-1", active(exp: clock.now.timeIntervalSince1970 + 600))
        let principal = try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: "opaque-1"))
        #expect(principal.method == .oauth && principal.userID == "alice" && principal.id == "oauth:as:alice")
        let post = try #require(http.posts.withLock { $0.first })
        #expect(post.form["token"] == "opaque-1" && post.form["token_type_hint"] == "access_token")
        #expect(post.basic == "gatehouse:s3cret &=" && post.form["client_secret"] == nil)

        let posting = IntrospectionAuthenticator(endpoints: [endpoint(.post)], http: http, cache: IdentityCache(), now: { clock.now })
        #expect(await status(posting, "opaque-1") == 200)
        let second = try #require(http.posts.withLock { $0.last })
        #expect(second.basic == nil && second.form["client_id"] == "gatehouse" && second.form["client_secret"] == "s3cret &=")
    }

    @Test func inactiveIsFinalWhateverElseTheAnswerSays() async throws {
        let http = FakeJWKS()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache())
        http.answer("revoked", ["active": false, "sub": "admin", "scope": "everything", "exp": 9_999_999_999])
        #expect(await status(auth, "revoked") == 401)
        #expect(await status(auth, "revoked") == 401)
        #expect(http.posts.withLock { $0.count } == 1)
    }

    @Test func noProperAnswerFailsClosed() async throws {
        let http = FakeJWKS()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache())
        #expect(await status(auth, "unknown-to-a-down-server") == 503)
        http.answer("html", nil)
        for (token, body) in [
            ("html", Array("<html>oops</html>".utf8)), ("no-active", Array(#"{"sub":"alice"}"#.utf8)), ("string", Array(#"{"active":"true"}"#.utf8)),
        ] {
            http.introspection.withLock { $0[token] = body }
            #expect(await status(auth, token) == 503)
        }
    }

    @Test func answersAreCachedButNeverPastTheTokensExpiry() async throws {
        let http = FakeJWKS()
        let clock = TestClock()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache(), now: { clock.now })
        let now = clock.now.timeIntervalSince1970
        http.answer("long", active(exp: now + 3600))
        http.answer("short", active(exp: now + 10))
        #expect(await status(auth, "long") == 200)
        #expect(await status(auth, "short") == 200)
        #expect(await status(auth, "long") == 200 && http.posts.withLock { $0.count } == 2)
        clock.advance(11)
        // The short token's answer expired with the token: asked again, and now refused.
        #expect(await status(auth, "short") == 401)
        #expect(await status(auth, "long") == 200 && http.posts.withLock { $0.count } == 3)
        clock.advance(50)
        #expect(await status(auth, "long") == 200 && http.posts.withLock { $0.count } == 4)
    }

    @Test func issuerAudienceAndTimeAreChecked() async throws {
        let http = FakeJWKS()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache())
        let now = Date().timeIntervalSince1970
        let refused: [String: JSONValue] = [
            "expired": active(exp: now - 1), "other-issuer": active(exp: now + 60, extra: ["iss": "https://evil.test"]),
            "other-audience": active(exp: now + 60, extra: ["aud": ["api"]]), "future": active(exp: now + 60, extra: ["nbf": .number(now + 60)]),
            "odd-exp": active(exp: now, extra: ["exp": "tomorrow"]),
        ]
        for (token, answer) in refused {
            http.answer(token, answer)
            #expect(await status(auth, token) == 401, "\(token)")
        }
        // A client-credentials token has no `sub`: the client is the user.
        var machine = active(exp: now + 60)
        machine["sub"] = nil
        if case .object(var object) = machine {
            object["sub"] = nil
            object["client_id"] = "batch-job"
            machine = .object(object)
        }
        http.answer("machine", machine)
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: "machine")).userID == "batch-job")
    }

    @Test func gatehouseKeysAreNeverSentToTheAuthorizationServer() async throws {
        let http = FakeJWKS()
        let auth = IntrospectionAuthenticator(endpoints: [endpoint()], http: http, cache: IdentityCache())
        #expect(await status(auth, "sk-" + String(repeating: "a", count: 40)) == 401)
        #expect(await status(auth, String(repeating: "x", count: 5000)) == 401)
        #expect(http.posts.withLock { $0.count } == 0)
    }
}
