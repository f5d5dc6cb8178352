import Crypto
import CryptoExtras
import Foundation
import GatehouseCore
import Synchronization
import Testing

@testable import GatehouseAuth

/// Single sign-on's relying party against a stub provider (discovery, JWKS and token endpoint
/// served by `FakeJWKS`): the authorization request it makes, and every ID token an attacker or a
/// broken provider might send back refused with no person named.
@Suite struct OIDCRelyingPartyTests {
    static let issuer = "https://idp.test"
    static let key = TestSigningKey.rsa(TestSigningKey.rsaKey)
    static let otherRSAKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    let fetcher = FakeJWKS()
    let clock = TestClock()
    let attempt = OIDCRelyingParty.Attempt(state: "state-1", nonce: "nonce-1", verifier: String(repeating: "v", count: 43))

    func party(_ change: (inout SSOProviderSettings) -> Void = { _ in }) throws -> OIDCRelyingParty {
        var settings = SSOProviderSettings(name: "corp", issuer: Self.issuer, clientID: "gatehouse")
        settings.clientSecret = "client-secret"
        settings.discoveryURL = Self.issuer + "/.well-known/openid-configuration"
        settings.mapping.claims.roles = "groups"
        settings.mapping.roleMappings = ["admins": .proxyAdmin]
        change(&settings)
        fetcher.serve(
            settings.discoveryURL!,
            [
                "issuer": .string(Self.issuer), "authorization_endpoint": "https://idp.test/authorize", "token_endpoint": "https://idp.test/token",
                "jwks_uri": "https://idp.test/jwks",
            ])
        fetcher.serve("https://idp.test/jwks", ["keys": [Self.key.publicJWK(kid: "k1")]])
        let clock = clock
        return try OIDCRelyingParty(settings: settings, http: fetcher, now: { clock.now })
    }

    /// An ID token as a well-behaved provider signs it, with `change` applied to its claims.
    func idToken(
        key: TestSigningKey = key, header: JSONValue = ["alg": "RS256", "kid": "k1"], _ change: (inout JSONValue) -> Void = { _ in }
    ) -> String {
        var claims = TestJWT.claims(iss: Self.issuer, sub: "alice", now: clock.now)
        claims["nonce"] = "nonce-1"
        claims["email"] = "alice@example.com"
        claims["email_verified"] = true
        claims["groups"] = ["admins"]
        change(&claims)
        return TestJWT.make(header: header, payload: claims, key: key)
    }

    /// The sign-in, with the token endpoint answering `answer` for the code.
    func signIn(_ party: OIDCRelyingParty, answer: JSONValue) async throws -> SSOPerson {
        fetcher.answer(code: "code-1", answer)
        return try await party.signIn(code: "code-1", attempt: attempt, redirectURI: "https://gw.test/sso/corp/callback")
    }

    func refused(_ party: OIDCRelyingParty, _ token: String, accessToken: String? = nil) async -> String? {
        var answer: JSONValue = ["id_token": .string(token), "token_type": "Bearer"]
        if let accessToken { answer["access_token"] = .string(accessToken) }
        do {
            _ = try await signIn(party, answer: answer)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theAuthorizationRequestCarriesStateNonceAndAnS256Challenge() async throws {
        let url = try await party().authorizationURL(for: attempt, redirectURI: "https://gw.test/sso/corp/callback")
        let query = Dictionary(uniqueKeysWithValues: URLComponents(string: url)!.queryItems!.map { ($0.name, $0.value ?? "") })
        #expect(url.hasPrefix("https://idp.test/authorize?"))
        #expect(query["response_type"] == "code" && query["client_id"] == "gatehouse" && query["scope"] == "openid email profile")
        #expect(query["state"] == "state-1" && query["nonce"] == "nonce-1" && query["code_challenge_method"] == "S256")
        #expect(query["code_challenge"] == PKCE.challenge(of: attempt.verifier))
        #expect(query["redirect_uri"] == "https://gw.test/sso/corp/callback")
    }

    @Test func aGoodIDTokenNamesThePersonAndTheCodeIsExchangedWithTheVerifier() async throws {
        let party = try party()
        let access = "access-token-value"
        let person = try await signIn(
            party,
            answer: [
                "id_token": .string(idToken { $0["at_hash"] = .string(IDTokenChecks.accessTokenHash(access, algorithm: "RS256")!) }),
                "access_token": .string(access),
            ])
        #expect(person == SSOPerson(userID: "alice", email: "alice@example.com", emailVerified: true, role: .proxyAdmin))
        let post = try #require(fetcher.posts.withLock { $0.last })
        #expect(post.form["code_verifier"] == attempt.verifier && post.form["redirect_uri"] == "https://gw.test/sso/corp/callback")
        #expect(post.basic == "gatehouse:client-secret")
    }

    @Test func roleFollowsTheGroupsAndIsTheWeakestWithoutThem() async throws {
        let person = try await signIn(try party(), answer: ["id_token": .string(idToken { $0["groups"] = [] })])
        #expect(person.role == .internalUser)
    }

    @Test func forgedOrMisdirectedIDTokensAreRefused() async throws {
        let party = try party()
        let otherKey = TestSigningKey.p256(P256.Signing.PrivateKey())
        let cases: [(String, String, String)] = [
            ("wrong nonce", idToken { $0["nonce"] = "nonce-of-another-sign-in" }, "nonce"),
            ("no nonce", idToken { $0["nonce"] = nil }, "nonce"),
            ("wrong audience", idToken { $0["aud"] = "another-client" }, "audience"),
            ("another issuer", idToken { $0["iss"] = "https://evil.test" }, "another issuer"),
            ("expired", idToken { $0["exp"] = .number(clock.now.timeIntervalSince1970 - 3600) }, "expired"),
            ("not yet valid", idToken { $0["nbf"] = .number(clock.now.timeIntervalSince1970 + 3600) }, "not valid yet"),
            ("no iat", idToken { $0["iat"] = nil }, "iat"),
            ("alg none", idToken(key: Self.key, header: ["alg": "none", "kid": "k1"]), "algorithm"),
            ("HS256 with the public key", idToken(key: .hmac("x"), header: ["alg": "HS256", "kid": "k1"]), "algorithm"),
            ("signed by another key", idToken(key: otherKey, header: ["alg": "ES256", "kid": "k1"]), "algorithm"),
            ("signed by another RSA key", idToken(key: .rsa(Self.otherRSAKey), header: ["alg": "RS256", "kid": "k1"]), "signature"),
            ("azp of another client", idToken { $0["azp"] = "another-client" }, "azp"),
            ("several audiences, no azp", idToken { $0["aud"] = ["gatehouse", "another-client"] }, "azp"),
            ("a tampered payload", Self.tamper(idToken()), "signature"),
        ]
        for (name, token, says) in cases {
            let error = await refused(party, token)
            #expect(error?.contains(says) == true, "\(name): \(error ?? "accepted")")
        }
        let wrongHash = idToken { $0["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }
        #expect(await refused(party, wrongHash, accessToken: "the-access-token")?.contains("at_hash") == true)
        #expect(await refused(party, wrongHash)?.contains("at_hash") == true, "an at_hash with no access token to check it against")
    }

    @Test func theEmailRuleNeedsAVerifiedEmailAtAnAllowedDomain() async throws {
        let party = try party { $0.allowedEmailDomains = ["example.com"] }
        #expect(await refused(party, idToken { $0["email_verified"] = false })?.contains("not verified") == true)
        #expect(await refused(party, idToken { $0["email"] = "alice@example.com.evil.test" })?.contains("may not sign in") == true)
        #expect(await refused(party, idToken { $0["email"] = nil })?.contains("no email") == true)
        // Some providers send `email_verified` as a string.
        #expect(await refused(party, idToken { $0["email_verified"] = "true" }) == nil)
        let lenient = try self.party {
            $0.allowedEmailDomains = ["example.com"]
            $0.requireVerifiedEmail = false
        }
        #expect(await refused(lenient, idToken { $0["email_verified"] = false }) == nil)
    }

    @Test func aProviderThatFailsGivesNoPerson() async throws {
        let party = try party()
        // The code is unknown to the provider (or already used): its token endpoint says 400.
        await #expect(throws: OIDCRelyingParty.Failure.self) {
            try await party.signIn(code: "unknown", attempt: attempt, redirectURI: "https://gw.test/cb")
        }
        #expect(await refused(party, "not-a-jwt")?.contains("ID token was refused") == true)
        do {
            _ = try await signIn(party, answer: ["access_token": "only-an-access-token"])
            Issue.record("a token answer without an ID token was accepted")
        } catch let failure as OIDCRelyingParty.Failure {
            #expect(failure.reason.contains("without an ID token"))
        }
        // A discovery document naming another issuer is not followed.
        let misled = try self.party { $0.discoveryURL = "https://idp.test/other-discovery" }
        fetcher.serve("https://idp.test/other-discovery", ["issuer": "https://evil.test", "authorization_endpoint": "https://evil.test/a"])
        await #expect(throws: OIDCRelyingParty.Failure.self) { try await misled.authorizationURL(for: attempt, redirectURI: "https://gw.test/cb") }
    }

    /// The token with one payload character changed (the signature left as it was).
    static func tamper(_ token: String) -> String {
        let parts = token.split(separator: ".").map(String.init)
        var payload = try! JSONCoding.decode(Base64URL.decode(Array(parts[1].utf8))!)
        payload["sub"] = "mallory"
        return parts[0] + "." + Base64URL.encode(JSONCoding.encode(payload)) + "." + parts[2]
    }
}
