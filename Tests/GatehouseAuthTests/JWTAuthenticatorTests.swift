import Crypto
import CryptoExtras
import Foundation
import GatehouseCore
import GatehouseStore
import Synchronization
import Testing

@testable import GatehouseAuth

@Suite("JWT bearer tokens")
struct JWTAuthenticatorTests {
    static let issuer = "https://idp.test"
    static let secret = "a-shared-secret-of-more-than-64-bytes-for-every-hs-algorithm-0123456789"

    func settings(_ algorithms: [String], keys: [JWTIssuerSettings.InlineKey] = [], issuer: String = Self.issuer) -> JWTIssuerSettings {
        var settings = JWTIssuerSettings(name: "idp", issuer: issuer, audiences: ["gatehouse"], algorithms: algorithms)
        settings.keys = keys
        return settings
    }

    func authenticator(
        _ settings: [JWTIssuerSettings], fetcher: FakeJWKS = FakeJWKS(), clock: TestClock = TestClock(), cache: IdentityCache = IdentityCache()
    )
        throws -> JWTAuthenticator
    {
        let issuers = try settings.map { try JWTIssuerKeys(settings: $0, fetcher: fetcher, now: { clock.now }) }
        return JWTAuthenticator(issuers: issuers, cache: cache, now: { clock.now })
    }

    /// The status and message a token gets, through the whole authenticator chain.
    func outcome(_ authenticator: JWTAuthenticator, _ token: String) async -> Result<Principal, GatewayError> {
        do {
            return .success(try await AuthenticatorChain([authenticator]).authenticate(PresentedCredential(secret: token)))
        } catch let error as GatewayError {
            return .failure(error)
        } catch {
            return .failure(.internalError("\(error)"))
        }
    }

    func expectRefused(_ authenticator: JWTAuthenticator, _ token: String, status: Int = 401, sourceLocation: SourceLocation = #_sourceLocation) async
    {
        switch await outcome(authenticator, token) {
        case .success: Issue.record("accepted a token that must be refused", sourceLocation: sourceLocation)
        case .failure(let error): #expect(error.status == status, "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    static let keys: [(String, TestSigningKey)] = [
        ("HS256", .hmac(secret)), ("HS384", .hmac(secret)), ("HS512", .hmac(secret)), ("RS256", .rsa(TestSigningKey.rsaKey)),
        ("RS512", .rsa(TestSigningKey.rsaKey)), ("PS256", .rsa(TestSigningKey.rsaKey)), ("PS384", .rsa(TestSigningKey.rsaKey)),
        ("ES256", .p256(P256.Signing.PrivateKey())), ("ES384", .p384(P384.Signing.PrivateKey())),
        ("EdDSA", .ed25519(Curve25519.Signing.PrivateKey())),
    ]

    @Test(arguments: keys.map(\.0))
    func everySupportedAlgorithmVerifies(algorithm: String) async throws {
        let key = Self.keys.first { $0.0 == algorithm }!.1
        let material: JWTIssuerSettings.InlineKey.Material =
            if case .hmac(let secret) = key { .secret(secret) } else { .pem(key.publicPEM) }
        let auth = try authenticator([settings([algorithm], keys: [.init(kid: nil, material: material, path: "k")])])
        let token = TestJWT.make(header: ["alg": .string(algorithm), "typ": "JWT"], payload: TestJWT.claims(), key: key)
        let principal = try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token))
        #expect(principal.method == .jwt && principal.userID == "alice" && principal.role == .internalUser)
        // The same token with one signature byte changed is refused.
        var tampered = Array(token.utf8)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await expectRefused(auth, String(decoding: tampered, as: UTF8.self))
    }

    @Test func algNoneAndEmptySignaturesAreRefused() async throws {
        let auth = try authenticator([settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])])
        for alg in ["none", "None", "NONE", "nOnE"] {
            await expectRefused(auth, TestJWT.make(header: ["alg": .string(alg)], payload: TestJWT.claims(), key: nil))
        }
        await expectRefused(auth, TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: nil))
    }

    @Test func anHMACTokenKeyedWithThePublicKeyIsRefused() async throws {
        let rsa = TestSigningKey.rsa(TestSigningKey.rsaKey)
        // Even an issuer that allows HS256 for other keys never uses its RSA public key as a secret.
        let auth = try authenticator([settings(["RS256", "HS256"], keys: [.init(kid: nil, material: .pem(rsa.publicPEM), path: "k")])])
        let der = Array(TestSigningKey.rsaKey.publicKey.derRepresentation)
        for secret in [rsa.publicPEM, rsa.publicPEM + "\n", String(decoding: der, as: UTF8.self), JSONCoding.encodeString(rsa.publicJWK(kid: "k"))] {
            await expectRefused(auth, TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: .hmac(secret)))
        }
        let raw = TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: nil)
        let macedWithDER =
            raw.dropLast() + Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(raw.dropLast().utf8), using: SymmetricKey(data: der))))
        await expectRefused(auth, String(macedWithDER))
    }

    @Test func embeddedKeysAndKeyURLsAreNeverFollowed() async throws {
        let fetcher = FakeJWKS()
        let trusted = TestSigningKey.p256(P256.Signing.PrivateKey())
        let auth = try authenticator(
            [settings(["ES256"], keys: [.init(kid: "good", material: .pem(trusted.publicPEM), path: "k")])], fetcher: fetcher)
        let attacker = TestSigningKey.p256(P256.Signing.PrivateKey())
        let headers: [JSONValue] = [
            ["alg": "ES256", "kid": "evil", "jwk": attacker.publicJWK(kid: "evil")],
            ["alg": "ES256", "kid": "evil", "jku": "http://127.0.0.1:9/jwks.json"],
            ["alg": "ES256", "kid": "evil", "x5u": "http://127.0.0.1:9/cert.pem"],
            ["alg": "ES256", "jwk": attacker.publicJWK(kid: "good"), "kid": "good"],
        ]
        for header in headers {
            await expectRefused(auth, TestJWT.make(header: header, payload: TestJWT.claims(), key: attacker))
        }
        #expect(fetcher.count == 0)
    }

    @Test func timeClaimsAreCheckedWithLeeway() async throws {
        let clock = TestClock()
        let key = TestSigningKey.hmac(Self.secret)
        var config = settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])
        config.maxLifetimeSeconds = 3600
        let auth = try authenticator([config], clock: clock)
        let now = clock.now.timeIntervalSince1970.rounded()
        func token(_ changes: [String: JSONValue?]) -> String {
            var claims = TestJWT.claims(now: clock.now)
            for (name, value) in changes { claims[name] = value }
            if case .object(var object) = claims {
                for (name, value) in changes where value == nil { object[name] = nil }
                claims = .object(object)
            }
            return TestJWT.make(header: ["alg": "HS256"], payload: claims, key: key)
        }
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token(["exp": .number(now - 30)]))).userID == "alice")
        let refused: [[String: JSONValue?]] = [
            ["exp": .number(now - 61)], ["exp": nil], ["exp": "9999999999"], ["exp": ["when": 1]], ["exp": .number(-1)],
            ["exp": .number(1e300)], ["exp": .number(now + 7200)], ["nbf": .number(now + 120)], ["nbf": "soon"],
            ["iat": .number(now + 120)], ["iat": .number(now - 4000), "exp": .number(now + 10)],
        ]
        for changes in refused { await expectRefused(auth, token(changes)) }
        // A verified token is remembered, but never past its expiry.
        let cached = token(["exp": .number(now + 100)])
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: cached)).userID == "alice")
        clock.advance(100 + 61)
        await expectRefused(auth, cached)
    }

    @Test func issuerAndAudienceAreAlwaysChecked() async throws {
        let keyA = TestSigningKey.p256(P256.Signing.PrivateKey())
        let keyB = TestSigningKey.p256(P256.Signing.PrivateKey())
        let auth = try authenticator([
            settings(["ES256"], keys: [.init(kid: nil, material: .pem(keyA.publicPEM), path: "a")], issuer: "https://a.test"),
            settings(["ES256"], keys: [.init(kid: nil, material: .pem(keyB.publicPEM), path: "b")], issuer: "https://b.test"),
        ])
        let header: JSONValue = ["alg": "ES256"]
        #expect(
            try await AuthenticatorChain([auth]).authenticate(
                PresentedCredential(secret: TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://a.test"), key: keyA))
            ).userID == "alice")
        let listed = TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://a.test", aud: ["other", "gatehouse"]), key: keyA)
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: listed)).userID == "alice")
        // Issuer A's claims signed with issuer B's key; an unknown issuer; wrong and missing audiences.
        await expectRefused(auth, TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://a.test"), key: keyB))
        await expectRefused(auth, TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://evil.test"), key: keyA))
        await expectRefused(auth, TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://a.test", aud: "other"), key: keyA))
        await expectRefused(auth, TestJWT.make(header: header, payload: TestJWT.claims(iss: "https://a.test", aud: []), key: keyA))
        var noIssuer = TestJWT.claims()
        noIssuer["iss"] = .null
        await expectRefused(auth, TestJWT.make(header: header, payload: noIssuer, key: keyA))
    }

    @Test func malformedTokensAre401NeverACrash() async throws {
        let auth = try authenticator([settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])])
        let good = TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: .hmac(Self.secret))
        let parts = good.split(separator: ".").map(String.init)
        let junk = [
            parts[0] + "." + parts[1], good + ".x", parts[0] + ".!!!." + parts[2], "eyJ" + ".e30.", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24." + parts[2],
            parts[0] + "." + Base64URL.encode(Array("[1,2]".utf8)) + "." + parts[2], String(repeating: "eyJ.", count: 5000),
            "eyJhbGciOiJIUzI1NiIsImtpZCI6MX0." + parts[1] + "." + parts[2],
        ]
        for token in junk { await expectRefused(auth, token) }
    }

    @Test func theTypeHeaderIsCheckedWhenRequired() async throws {
        var config = settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])
        config.requiredType = "at+jwt"
        let auth = try authenticator([config])
        for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
            let token = TestJWT.make(header: ["alg": "HS256", "typ": .string(typ)], payload: TestJWT.claims(), key: .hmac(Self.secret))
            #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token)).userID == "alice")
        }
        await expectRefused(auth, TestJWT.make(header: ["alg": "HS256", "typ": "JWT"], payload: TestJWT.claims(), key: .hmac(Self.secret)))
        await expectRefused(auth, TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: .hmac(Self.secret)))
    }

    /// Attack: a validly signed token that marks an extension critical (RFC 7515 §4.1.11) — the
    /// issuer meant it to be refused by anyone who does not process that extension.
    @Test func criticalHeaderExtensionsAreRefused() async throws {
        let auth = try authenticator([settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])])
        for crit: JSONValue in [["exp"], ["b64"], [], "b64"] {
            await expectRefused(
                auth, TestJWT.make(header: ["alg": "HS256", "crit": crit, "b64": false], payload: TestJWT.claims(), key: .hmac(Self.secret)))
        }
        let plain = TestJWT.make(header: ["alg": "HS256"], payload: TestJWT.claims(), key: .hmac(Self.secret))
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: plain)).userID == "alice")
    }

    /// Attack: an issuer (or whoever holds its key) signs a limit claim of 1e300; converting it
    /// to an integer once trapped and stopped the process. It is held at the largest limit.
    @Test func absurdLimitClaimsAreHeldNotTrapped() async throws {
        var config = settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])
        config.mapping.limitClaims = ["rpm_limit": "rpm", "tpm_limit": "tpm", "max_budget": "budget"]
        let auth = try authenticator([config])
        var claims = TestJWT.claims()
        claims["rpm"] = 1e300
        claims["tpm"] = 9.3e18
        claims["budget"] = 1e300
        let token = TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(Self.secret))
        let principal = try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token))
        #expect(principal.limits.rpmLimit == InputBounds.limit && principal.limits.tpmLimit == InputBounds.limit)
        #expect(principal.limits.maxBudget == InputBounds.dollars)
    }

    @Test func claimsMapToRoleTeamAndModels() async throws {
        var config = settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])
        config.mapping.claims.roles = "realm_access.roles"
        config.mapping.claims.team = "groups"
        config.mapping.claims.organization = "https://acme.test/org"
        config.mapping.roleMappings = ["gh-viewer": .proxyAdminViewer, "gh-admin": .proxyAdmin]
        config.mapping.scopeModels = ["llm:small": ["mock-gpt"], "llm:big": ["openai/*"]]
        config.mapping.models = ["mock-gpt", "openai/gpt-4o"]
        let cache = IdentityCache()
        var team = Team(id: "search")
        team.models = ["mock-gpt", "openai/gpt-4o"]
        cache.put(team)
        let auth = try authenticator([config], cache: cache)
        var claims = TestJWT.claims()
        claims["realm_access"] = ["roles": ["gh-viewer", "unrelated"]]
        claims["groups"] = ["search", "other"]
        claims["https://acme.test/org"] = "acme"
        claims["scope"] = "openid llm:small"
        let principal = try await AuthenticatorChain([auth]).authenticate(
            PresentedCredential(secret: TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(Self.secret))))
        #expect(principal.role == .proxyAdminViewer && principal.teamID == "search" && principal.organizationID == "acme")
        #expect(principal.mayUse(model: "mock-gpt") && !principal.mayUse(model: "openai/gpt-4o"))
        #expect(principal.id == "jwt:idp:alice")

        claims["scope"] = "openid profile"
        await expectRefused(auth, TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(Self.secret)), status: 403)

        claims["scope"] = "llm:small"
        team.blocked = true
        cache.put(team)
        await expectRefused(auth, TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(Self.secret)))
    }

    @Test func keySetsAreFetchedRotatedAndKeptThroughFailures() async throws {
        let fetcher = FakeJWKS()
        let clock = TestClock()
        let url = "https://idp.test/jwks"
        let first = TestSigningKey.p256(P256.Signing.PrivateKey())
        let second = TestSigningKey.ed25519(Curve25519.Signing.PrivateKey())
        fetcher.serve(url, ["keys": [first.publicJWK(kid: "k1"), ["kty": "oct", "kid": "k1", "k": "c2VjcmV0"]]])
        var config = settings(["ES256", "EdDSA", "HS256"])
        config.jwksURL = url
        config.unknownKidCooldownSeconds = 30
        config.jwksMaxAgeSeconds = 3600
        let issuer = try JWTIssuerKeys(settings: config, fetcher: fetcher, now: { clock.now })
        let auth = JWTAuthenticator(issuers: [issuer], cache: IdentityCache(), now: { clock.now })
        try await issuer.refresh()
        #expect(fetcher.count == 1)
        func token(_ kid: String, _ key: TestSigningKey, _ alg: String) -> String {
            TestJWT.make(header: ["alg": .string(alg), "kid": .string(kid)], payload: TestJWT.claims(now: clock.now), key: key)
        }
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token("k1", first, "ES256"))).userID == "alice")
        // A shared secret published in a JWKS is never used.
        await expectRefused(auth, token("k1", .hmac("secret"), "HS256"))

        // The issuer rotates: the new kid is accepted after one refetch.
        fetcher.serve(url, ["keys": [first.publicJWK(kid: "k1"), second.publicJWK(kid: "k2")]])
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token("k2", second, "EdDSA"))).userID == "alice")
        let afterRotation = fetcher.count
        #expect(afterRotation == 2)

        // A flood of unknown kids costs at most one fetch per cooldown.
        clock.advance(31)
        let attacker = TestSigningKey.ed25519(Curve25519.Signing.PrivateKey())
        for index in 0..<20 { await expectRefused(auth, token("x\(index)", attacker, "EdDSA")) }
        #expect(fetcher.count == afterRotation + 1)
        clock.advance(31)
        for index in 0..<5 { await expectRefused(auth, token("y\(index)", attacker, "EdDSA")) }
        #expect(fetcher.count == afterRotation + 2)

        // The endpoint goes down or serves garbage: the last good set keeps working until it is too old.
        fetcher.serve(url, nil)
        await #expect(throws: (any Error).self) { try await issuer.refresh() }
        fetcher.serveRaw(url, Array("<html>".utf8))
        await #expect(throws: (any Error).self) { try await issuer.refresh() }
        clock.advance(3000 - 62)
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token("k2", second, "EdDSA"))).userID == "alice")
        clock.advance(700)
        await expectRefused(auth, token("k2", second, "EdDSA"))
    }

    @Test func discoveryNamesTheKeySetOfTheSameIssuer() async throws {
        let fetcher = FakeJWKS()
        let key = TestSigningKey.rsa(TestSigningKey.rsaKey)
        fetcher.serve("https://idp.test/.well-known/openid-configuration", ["issuer": .string(Self.issuer), "jwks_uri": "https://idp.test/keys"])
        fetcher.serve("https://idp.test/keys", ["keys": [key.publicJWK(kid: "r1")]])
        var config = settings(["RS256"])
        config.discoveryURL = "https://idp.test/.well-known/openid-configuration"
        let auth = try authenticator([config], fetcher: fetcher)
        let token = TestJWT.make(header: ["alg": "RS256", "kid": "r1"], payload: TestJWT.claims(), key: key)
        #expect(try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: token)).userID == "alice")

        let other = FakeJWKS()
        other.serve("https://idp.test/.well-known/openid-configuration", ["issuer": "https://evil.test", "jwks_uri": "https://idp.test/keys"])
        other.serve("https://idp.test/keys", ["keys": [key.publicJWK(kid: "r1")]])
        await expectRefused(try authenticator([config], fetcher: other), token)
    }

    @Test func unusableInlineKeysRefuseStartNamingTheKey() throws {
        let config = settings(
            ["RS256"],
            keys: [.init(kid: nil, material: .pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"), path: "jwt_issuers[0].keys[0]")])
        #expect(throws: (any Error).self) { try JWTIssuerKeys(settings: config, fetcher: FakeJWKS()) }
        do {
            _ = try JWTIssuerKeys(settings: config, fetcher: FakeJWKS())
        } catch {
            #expect("\(error)".contains("jwt_issuers[0].keys[0]"))
        }
    }

    @Test func limitClaimsAKeyClaimAndJustInTimeUsers() async throws {
        var config = settings(["HS256"], keys: [.init(kid: nil, material: .secret(Self.secret), path: "k")])
        config.mapping.limitClaims = ["rpm_limit": "rate_limit", "max_budget": "limits.budget"]
        config.mapping.claims.key = "gatehouse_key"
        config.mapping.createUsers = true
        let cache = IdentityCache()
        let provisioner = RecordingProvisioner()
        let issuers = [try JWTIssuerKeys(settings: config, fetcher: FakeJWKS())]
        let auth = JWTAuthenticator(issuers: issuers, cache: cache, provisioner: provisioner)
        func sign(_ claims: JSONValue) -> String { TestJWT.make(header: ["alg": "HS256"], payload: claims, key: .hmac(Self.secret)) }

        var claims = TestJWT.claims()
        claims["rate_limit"] = 60
        claims["limits"] = ["budget": 2.5]
        let principal = try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: sign(claims)))
        #expect(principal.limits.rpmLimit == 60 && principal.limits.maxBudget == 2.5)
        #expect(provisioner.calls.withLock { $0 } == ["alice"])

        claims["rate_limit"] = "sixty"
        await expectRefused(auth, sign(claims))
        claims["rate_limit"] = 60

        // A token naming a key acts as that key.
        var user = User(id: "owner")
        user.role = .proxyAdminViewer
        cache.put(user)
        var key = VirtualKey(id: "key_named", hash: APIKeyFormat.hash(APIKeyFormat.generate()), display: "")
        key.models = ["mock-gpt"]
        key.userID = "owner"
        cache.put(key)
        claims["gatehouse_key"] = "key_named"
        let asKey = try await AuthenticatorChain([auth]).authenticate(PresentedCredential(secret: sign(claims)))
        #expect(asKey.role == .proxyAdminViewer && asKey.userID == "owner" && asKey.mayUse(model: "mock-gpt") && !asKey.mayUse(model: "other"))
        claims["sub"] = "bob"
        key.blocked = true
        key.updatedAt = Date().addingTimeInterval(1)
        cache.put(key)
        await expectRefused(auth, sign(claims))
        claims["gatehouse_key"] = "key_unknown"
        claims["sub"] = "carol"
        await expectRefused(auth, sign(claims))

        // Creating the user fails: the request fails closed, it is not let through without one.
        provisioner.failing.withLock { $0 = true }
        claims["gatehouse_key"] = nil
        claims["sub"] = "dave"
        await expectRefused(auth, sign(claims), status: 503)
    }
}

final class RecordingProvisioner: TokenProvisioner {
    let calls = Mutex<[String]>([])
    let failing = Mutex(false)

    func provision(userID: String, email: String?, teamID: String?, createUser: Bool) async throws {
        if failing.withLock({ $0 }) { throw JWTKeyError("store down") }
        calls.withLock { $0.append(userID) }
    }
}
