import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Logging
import Testing

/// The one authentication decision, without a listener: each route policy × each kind of
/// credential a request can bring, and what a principal may call from where.
@Suite("Authentication policy")
struct AuthenticationPolicyTests {
    /// A key `key_ada` (user ada), a certificate bound to key `key_bob`, one bound to nothing,
    /// a session of ada's, and routes that insist on certificates.
    struct Fixture: Sendable {
        let authentication: Authentication
        let adaKey: String
        let boundCertificate: ClientCertificate
        let unboundCertificate: ClientCertificate
        let session: SessionToken
        let connection: StoreConnection
    }

    static func certificate(_ name: String) -> ClientCertificate {
        ClientCertificate(fingerprint: name, thumbprint: name, subjectCommonName: name)
    }

    func withFixture(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        let connection = try await StoreConnection.inMemory(logger: Logger(label: "test"))
        let store = IdentityStore(source: connection.source)
        try await store.migrate()
        let cache = IdentityCache()
        cache.put(User(id: "ada"))
        try await store.directory.insert(User(id: "ada"))
        let adaKey = APIKeyFormat.generate()
        var ada = VirtualKey(id: "key_ada", hash: APIKeyFormat.hash(adaKey), display: APIKeyFormat.display(adaKey))
        ada.userID = "ada"
        cache.put(ada)
        let bob = VirtualKey(id: "key_bob", hash: APIKeyFormat.hash(APIKeyFormat.generate()), display: "sk-…bob")
        cache.put(bob)
        cache.put(CertificateBinding(id: "subject_cn:bob-cert", keyID: "key_bob"))
        let sessions = SessionAuthenticator(store: store.logins, cache: cache, lifetime: 3600, idleTimeout: 600)
        let (session, _) = try await sessions.start(userID: "ada", address: nil)
        let authentication = Authentication(
            secrets: AuthenticatorChain([VirtualKeyAuthenticator(cache: cache)]),
            certificates: CertificateAuthenticator(cache: cache, kind: .subjectCN),
            certificateRoutes: [
                .init(route: "/cert-only", policy: .certificate), .init(route: "/cert-and-key", policy: .certificateAndKey),
            ],
            sessions: sessions, ownIssuer: "https://gatehouse.test")
        let fixture = Fixture(
            authentication: authentication, adaKey: adaKey, boundCertificate: Self.certificate("bob-cert"),
            unboundCertificate: Self.certificate("stray-cert"), session: session, connection: connection)
        do {
            try await body(fixture)
        } catch {
            try await (connection.source as? SQLiteSource)?.close()
            throw error
        }
        try await (connection.source as? SQLiteSource)?.close()
    }

    /// Who the credentials prove on `path`, or the status and message of the refusal.
    func outcome(_ fixture: Fixture, _ credentials: Credentials, _ path: String) async -> String {
        do {
            return try await fixture.authentication.authenticate(credentials, path: path).id
        } catch let error as GatewayError {
            return "\(error.status)"
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func eachRoutePolicyAgainstEachKindOfCredential() async throws {
        try await withFixture { f in
            let key = PresentedCredential(secret: f.adaKey)
            let placeholder = PresentedCredential(secret: Credentials.certificatePlaceholder)
            let bob = f.boundCertificate
            // Acting as bob's key, by its certificate.
            let byCert = "mtls:certificate:subject_cn:bob-cert"
            let cases: [(String, Credentials, [String])] = [
                // credentials                      any,            certificate,    certificate and key
                ("nothing", Credentials(), ["401", "401", "401"]),
                ("key", Credentials(secret: key), ["key_ada", "401", "401"]),
                ("placeholder", Credentials(secret: placeholder), ["401", "401", "401"]),
                ("certificate", Credentials(certificate: bob), [byCert, byCert, "401"]),
                ("certificate + placeholder", Credentials(secret: placeholder, certificate: bob), [byCert, byCert, "401"]),
                // A key outranks a certificate; with both required, the certificate must agree.
                ("certificate + key", Credentials(secret: key, certificate: bob), ["key_ada", byCert, "403"]),
                ("unbound certificate + key", Credentials(secret: key, certificate: f.unboundCertificate), ["key_ada", "403", "key_ada"]),
                ("unbound certificate", Credentials(certificate: f.unboundCertificate), ["403", "403", "401"]),
                ("session", Credentials(session: f.session), ["session:ada", "401", "401"]),
                // A cookie never outranks a key or a certificate.
                ("session + key", Credentials(secret: key, session: f.session), ["key_ada", "401", "401"]),
                ("session + certificate", Credentials(certificate: bob, session: f.session), [byCert, byCert, "401"]),
                ("forged session", Credentials(session: SessionToken(secret: SessionToken.prefix + "forged")), ["401", "401", "401"]),
                ("forged key", Credentials(secret: PresentedCredential(secret: "sk-forged-0000000000000000")), ["401", "401", "401"]),
            ]
            for (name, credentials, expected) in cases {
                var got: [String] = []
                for path in ["/v1/chat/completions", "/cert-only", "/cert-and-key"] { got.append(await outcome(f, credentials, path)) }
                #expect(got == expected, "\(name)")
            }
        }
    }

    @Test func aFailureIsLabelledLikeTheSuccessesOfItsKind() async throws {
        try await withFixture { f in
            let a = f.authentication
            #expect(a.method(of: Credentials()) == .none)
            #expect(a.method(of: Credentials(secret: PresentedCredential(secret: "sk-anything"))) == .apiKey)
            #expect(a.method(of: Credentials(secret: PresentedCredential(secret: "a.b.c"))) == .jwt)
            #expect(a.method(of: Credentials(secret: PresentedCredential(secret: "opaque-token"))) == .oauth)
            #expect(a.method(of: Credentials(certificate: f.boundCertificate)) == .clientCertificate)
            let placeholder = PresentedCredential(secret: Credentials.certificatePlaceholder)
            #expect(a.method(of: Credentials(secret: placeholder, certificate: f.boundCertificate)) == .clientCertificate)
            #expect(a.method(of: Credentials(session: f.session)) == .session)
            // The cookie was not what decided: the key was.
            #expect(a.method(of: Credentials(secret: PresentedCredential(secret: "sk-x"), session: f.session)) == .apiKey)
            // Each label is the one a success of that kind is counted under.
            #expect(AuthMethod(Principal.Method.clientCertificate) == .clientCertificate && AuthMethod(Principal.Method.session) == .session)
        }
    }

    @Test func routeClassesAndNetworksAreCheckedAfterIdentity() async throws {
        try await withFixture { f in
            var principal = Principal(id: "key_x", method: .apiKey, role: .internalUser)
            principal.allowedRoutes = ["llm_api_routes"]
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: "10.0.0.1") == nil)
            #expect(f.authentication.refusal(of: principal, path: "/key/generate", address: "10.0.0.1") == .route)
            var limits = Limits()
            limits.allowedIPs = [try #require(IPNetwork("10.0.0.0/8"))]
            let team = LimitSubject(id: "team:ops", level: .team, limits: limits)
            principal.limitSubjects = [team]
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: "10.1.2.3") == nil)
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: "192.168.0.1") == .network(team))
            // An unknown address is outside every restricted network.
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: nil) == .network(team))
            #expect(Authentication.Refusal.network(team).error(path: "/x").message == "This team may not be used from this address.")
        }
    }

    /// The client's address is formatted only when a network bound applies to the principal:
    /// the common request reads it not at all, a bounded one once.
    @Test func theAddressIsReadOnlyWhereANetworkBoundApplies() async throws {
        try await withFixture { f in
            var reads = 0
            func address() -> String? {
                reads += 1
                return "10.1.2.3"
            }
            var principal = Principal(id: "key_x", method: .apiKey, role: .internalUser)
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: address()) == nil)
            #expect(reads == 0)
            var limits = Limits()
            limits.allowedIPs = [try #require(IPNetwork("10.0.0.0/8"))]
            principal.limitSubjects = [
                LimitSubject(id: "team:ops", level: .team, limits: limits), LimitSubject(id: "org:o", level: .organization, limits: limits),
            ]
            #expect(f.authentication.refusal(of: principal, path: "/v1/chat/completions", address: address()) == nil)
            #expect(reads == 1)
            var authentication = f.authentication
            authentication.adminSessionNetworks = [try #require(IPNetwork("10.9.0.0/16"))]
            #expect(
                authentication.refusal(of: Principal(id: "session:ada", method: .session, role: .proxyAdmin), path: "/key/list", address: address())
                    == .adminSession)
            #expect(reads == 2)
            #expect(
                authentication.refusal(of: Principal(id: "key_y", method: .apiKey, role: .proxyAdmin), path: "/key/list", address: address()) == nil)
            #expect(reads == 2)
        }
    }

    @Test func aProxyAdminsSessionIsHeldToItsOwnNetworks() async throws {
        try await withFixture { f in
            var authentication = f.authentication
            authentication.adminSessionNetworks = [try #require(IPNetwork("10.9.0.0/16"))]
            let admin = Principal(id: "session:ada", method: .session, role: .proxyAdmin)
            let viewer = Principal(id: "session:vic", method: .session, role: .proxyAdminViewer)
            #expect(authentication.refusal(of: admin, path: "/key/list", address: "10.9.1.1") == nil)
            #expect(authentication.refusal(of: admin, path: "/key/list", address: "10.10.1.1") == .adminSession)
            #expect(authentication.refusal(of: viewer, path: "/key/list", address: nil) == .adminSession, "no address: outside")
            // Others' sessions, and an admin's credential that is no session, are not held to it.
            #expect(
                authentication.refusal(of: Principal(id: "session:ivy", method: .session, role: .internalUser), path: "/ui", address: "1.2.3.4")
                    == nil)
            #expect(
                authentication.refusal(of: Principal(id: "master", method: .masterKey, role: .proxyAdmin), path: "/key/list", address: "1.2.3.4")
                    == nil)
            #expect(f.authentication.refusal(of: admin, path: "/key/list", address: "1.2.3.4") == nil, "no rule configured")
            #expect(Authentication.Refusal.adminSession.error(path: "/x").status == 403)
        }
    }
}
