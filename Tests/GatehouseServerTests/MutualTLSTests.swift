import AsyncHTTPClient
import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
import X509

@Suite("HTTPS and client certificates")
struct MutualTLSTests {
    /// An HTTPS client trusting the test CA, presenting `certificate` if given.
    struct Client {
        let http: HTTPClient
        let port: Int

        init(port: Int, pki: TestPKI, certificate: (certificate: String, key: String)?) throws {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(pki.caFile)
            if let certificate {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
            }
            http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            self.port = port
        }

        /// - Parameter timeout: AsyncHTTPClient retries a refused server certificate until then.
        func post(_ path: String, _ body: JSONValue?, key: String? = nil, timeout: Int64 = 10) async throws -> (status: UInt, json: JSONValue?) {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
            request.method = body == nil ? .GET : .POST
            if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
            request.headers.add(name: "content-type", value: "application/json")
            if let body { request.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(body))) }
            let response = try await http.execute(request, timeout: .seconds(timeout))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (response.status.code, try? JSONCoding.decode(bytes.readableBytesView))
        }

        /// A form POST (the token endpoint).
        func form(_ path: String, _ fields: String) async throws -> (status: UInt, json: JSONValue?) {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: fields))
            let response = try await http.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (response.status.code, try? JSONCoding.decode(bytes.readableBytesView))
        }

        func shutdown() async throws { try await http.shutdown() }
    }

    func config(_ pki: TestPKI, clientAuth: TLSSettings.ClientAuth) -> GatehouseConfig {
        var config = GatehouseConfig.withAccessGroups
        var tls = TLSSettings(certificateFile: pki.serverCertificateFile, keyFile: pki.serverKeyFile)
        tls.clientAuth = clientAuth
        tls.clientCAFile = pki.caFile
        config.server.identity.clientCertificateIdentity = .sanURI
        config.server.listener.tls = tls
        return config
    }

    /// Runs `body` with a client of each kind, shutting them down afterwards.
    func withClients(
        port: Int, pki: TestPKI, _ certificates: [(certificate: String, key: String)?], _ body: ([Client]) async throws -> Void
    ) async throws {
        let clients = try certificates.map { try Client(port: port, pki: pki, certificate: $0) }
        do {
            try await body(clients)
        } catch {
            for client in clients { try? await client.shutdown() }
            throw error
        }
        for client in clients { try await client.shutdown() }
    }

    @Test func aBoundCertificateActsAsItsKeyAndBadOnesFailTheHandshake() async throws {
        let pki = try TestPKI.make()
        let spiffe = "spiffe://acme.test/ns/prod/sa/search"
        let good = try pki.issue("good", commonName: "search", names: [.uniformResourceIdentifier(spiffe)])
        let unbound = try pki.issue("unbound", commonName: "other", names: [.uniformResourceIdentifier("spiffe://acme.test/other")])
        let expired = try pki.issue(
            "expired", commonName: "old", names: [.uniformResourceIdentifier(spiffe)], validFrom: Date().addingTimeInterval(-7200),
            until: Date().addingTimeInterval(-3600))
        let early = try pki.issue(
            "early", commonName: "new", names: [.uniformResourceIdentifier(spiffe)], validFrom: Date().addingTimeInterval(3600),
            until: Date().addingTimeInterval(7200))
        let serverOnly = try pki.issue("eku", commonName: "server", names: [.uniformResourceIdentifier(spiffe)], usage: [.serverAuth])
        let stranger = try TestPKI.make(name: "Someone Else's CA")
        let foreign = try stranger.issue("foreign", commonName: "search", names: [.uniformResourceIdentifier(spiffe)])

        try await withGatehouse(config(pki, clientAuth: .required)) { _, port in
            try await withClients(port: port, pki: pki, [good, unbound, nil, expired, early, serverOnly, foreign]) { clients in
                let (good, unbound, none) = (clients[0], clients[1], clients[2])
                // Management with the master key, over a connection that presents a certificate.
                let key = try #require(try await unbound.post("/key/generate", ["models": ["mock-gpt"]], key: TestKeys.master).json)
                let keyID = try #require(key["token"]?.stringValue)
                #expect(try await good.post("/v1/chat/completions", chat("mock-gpt")).status == 403)
                let bound = try await unbound.post(
                    "/certificate/bind", ["identity": .string("san_uri:" + spiffe), "key_id": .string(keyID)], key: TestKeys.master)
                #expect(bound.status == 200)
                // Acts as the key: its model, not the others; spend goes to the key.
                let answered = try await good.post("/v1/chat/completions", chat("mock-gpt"))
                #expect(answered.status == 200 && answered.json?["choices"] != nil)
                #expect(try await good.post("/v1/chat/completions", chat("beta-model")).status == 403)
                // The placeholder an SDK needs as its API key means "my certificate".
                #expect(try await good.post("/v1/chat/completions", chat("mock-gpt"), key: "mtls").status == 200)
                // A certificate nothing is bound to: 403.
                let refused = try await unbound.post("/v1/chat/completions", chat("mock-gpt"))
                #expect(
                    refused.status == 403 && refused.json?["error"]?["message"] == "This client certificate is not bound to any key, user or team.")
                // No certificate, expired, not yet valid, not for client authentication, another CA: no handshake.
                for (index, client) in [none, clients[3], clients[4], clients[5], clients[6]].enumerated() {
                    await #expect(throws: (any Error).self, "client \(index)") {
                        _ = try await client.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master)
                    }
                }
                // Unbinding takes effect at once.
                _ = try await unbound.post("/certificate/unbind", ["identities": [.string("san_uri:" + spiffe)]], key: TestKeys.master)
                #expect(try await good.post("/v1/chat/completions", chat("mock-gpt")).status == 403)
            }
        }
    }

    @Test func anOptionalCertificateLeavesOtherCredentialsWorking() async throws {
        let pki = try TestPKI.make()
        let spiffe = "spiffe://acme.test/ns/prod/sa/batch"
        let good = try pki.issue("good", commonName: "batch", names: [.uniformResourceIdentifier(spiffe)])
        try await withGatehouse(config(pki, clientAuth: .optional)) { _, port in
            try await withClients(port: port, pki: pki, [good, nil]) { clients in
                let (good, none) = (clients[0], clients[1])
                _ = try await none.post("/user/new", ["user_id": "batch-owner"], key: TestKeys.master)
                let bound = try await none.post(
                    "/certificate/bind", ["identity": .string("san_uri:" + spiffe), "user_id": "batch-owner"], key: TestKeys.master)
                #expect(bound.status == 200)
                #expect(try await good.post("/v1/chat/completions", chat("mock-gpt")).status == 200)
                // Without a certificate: other credentials, or 401.
                #expect(try await none.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master).status == 200)
                #expect(try await none.post("/v1/chat/completions", chat("mock-gpt")).status == 401)
                // A key presented with a certificate is the key's request.
                let viewer = try #require(
                    try await none.post("/key/generate", ["models": ["beta-model"]], key: TestKeys.master).json?["key"]?.stringValue)
                #expect(try await good.post("/v1/chat/completions", chat("mock-gpt"), key: viewer).status == 403)
                // Bindings are for the listener's identity kind, and only admins make them.
                let wrongKind = try await none.post(
                    "/certificate/bind", ["identity": "subject_cn:batch", "user_id": "batch-owner"], key: TestKeys.master)
                #expect(wrongKind.status == 400)
                #expect(try await good.post("/certificate/bind", ["identity": "san_uri:spiffe://x", "user_id": "batch-owner"]).status == 403)
                let listed = try await none.post("/certificate/list", nil, key: TestKeys.master)
                #expect(listed.json?["bindings"]?.arrayValue?.compactMap { $0["user_id"]?.stringValue } == ["batch-owner"])
            }
        }
    }

    @Test func aReplacedCertificateServesNewConnectionsWithoutDroppingOpenOnes() async throws {
        let first = try TestPKI.make(name: "First CA")
        let second = try TestPKI.make(name: "Second CA")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("server.pem").path
        let key = directory.appendingPathComponent("server.key").path
        @Sendable func install(_ pki: TestPKI) throws {
            try String(contentsOfFile: pki.serverKeyFile, encoding: .utf8).write(toFile: key, atomically: true, encoding: .utf8)
            try String(contentsOfFile: pki.serverCertificateFile, encoding: .utf8).write(toFile: certificate, atomically: true, encoding: .utf8)
        }
        try install(first)
        var config = GatehouseConfig.embeddedDefault
        config.server.listener.tls = TLSSettings(certificateFile: certificate, keyFile: key)
        config.server.listener.tlsReloadCheckSeconds = 0.1
        try await withGatehouse(config) { _, port in
            /// A request on a fresh connection from a client that trusts only the second CA.
            @Sendable func trustedBySecond() async -> Bool {
                guard let client = try? Client(port: port, pki: second, certificate: nil) else { return false }
                let status = try? await client.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master, timeout: 1).status
                try? await client.shutdown()
                return status == 200
            }
            let old = try Client(port: port, pki: first, certificate: nil)
            #expect(try await old.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master).status == 200)
            #expect(await trustedBySecond() == false)
            try install(second)
            #expect(await eventually { await trustedBySecond() })
            // The connection opened under the first certificate is still being served.
            #expect(try await old.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master).status == 200)
            try await old.shutdown()
        }
    }

    @Test func aTokenIssuedOverACertificateConnectionWorksOnlyWithThatCertificate() async throws {
        let pki = try TestPKI.make()
        let mine = try pki.issue("mine", commonName: "worker", names: [.uniformResourceIdentifier("spiffe://acme.test/worker")])
        let theirs = try pki.issue("theirs", commonName: "other", names: [.uniformResourceIdentifier("spiffe://acme.test/other")])
        try await withGatehouse(config(pki, clientAuth: .optional)) { _, port in
            try await withClients(port: port, pki: pki, [mine, theirs, nil]) { clients in
                let (mine, theirs, none) = (clients[0], clients[1], clients[2])
                let registered = try #require(try await none.post("/oauth/client/new", ["scopes": ["chat"]], key: TestKeys.master).json)
                let id = try #require(registered["client_id"]?.stringValue)
                let secret = try #require(registered["client_secret"]?.stringValue)
                let form = "grant_type=client_credentials&client_id=\(id)&client_secret=\(secret)"
                // Asked for over a connection with a certificate: bound to it (RFC 8705).
                let bound = try #require(try await mine.form("/oauth/token", form).json?["access_token"]?.stringValue)
                #expect(try await mine.post("/v1/chat/completions", chat("mock-gpt"), key: bound).status == 200)
                let elsewhere = try await theirs.post("/v1/chat/completions", chat("mock-gpt"), key: bound)
                #expect(elsewhere.status == 401)
                #expect(try await none.post("/v1/chat/completions", chat("mock-gpt"), key: bound).status == 401)
                let introspected = try await none.form("/oauth/introspect", form + "&token=\(bound)")
                #expect(introspected.json?["cnf"]?["x5t#S256"]?.stringValue?.isEmpty == false)
                // Asked for without a certificate: a bearer token like any other.
                let plain = try #require(try await none.form("/oauth/token", form).json?["access_token"]?.stringValue)
                #expect(try await theirs.post("/v1/chat/completions", chat("mock-gpt"), key: plain).status == 200)
                #expect(try await none.post("/v1/chat/completions", chat("mock-gpt"), key: plain).status == 200)
            }
        }
    }

    @Test func aProxysCertificateHeaderCountsOnlyFromATrustedAddress() async throws {
        let spiffe = "spiffe://acme.test/ns/prod/sa/behind-proxy"
        let header = "By=spiffe://acme.test/gatehouse;Hash=\(String(repeating: "ab", count: 32));Subject=\"CN=proxied,O=Acme\";URI=\(spiffe)"
        for (trusted, expected) in [("127.0.0.1/32", HTTPResponse.Status.ok), ("10.0.0.0/8", .unauthorized)] {
            var config = GatehouseConfig.embeddedDefault
            config.server.network.trustedProxies = [try #require(IPNetwork(trusted))]
            config.server.identity.clientCertificateIdentity = .sanURI
            try await withGatehouse(config) { client, _ in
                let key = try #require(try await client.post("/key/generate", [:]).json?["token"]?.stringValue)
                _ = try await client.post("/certificate/bind", ["identity": .string("san_uri:" + spiffe), "key_id": .string(key)])
                let answer = try await client.post(
                    "/v1/chat/completions", chat("mock-gpt"), headers: [HTTPField.Name("x-forwarded-client-cert")!: header])
                // From 127.0.0.1: trusted in the first run, a stranger spoofing the header in the second.
                #expect(answer.status == expected)
            }
        }
    }

    @Test func routesCanRequireACertificateOrACertificateAndAKey() async throws {
        let pki = try TestPKI.make()
        let spiffe = "spiffe://acme.test/ns/prod/sa/ops"
        let bound = try pki.issue("bound", commonName: "ops", names: [.uniformResourceIdentifier(spiffe)])
        let device = try pki.issue("device", commonName: "laptop", names: [.uniformResourceIdentifier("spiffe://acme.test/device/7")])
        var config = config(pki, clientAuth: .optional)
        config.server.identity.certificateRoutes = [
            .init(route: "management_routes", policy: .certificateAndKey), .init(route: "/v1/chat/completions", policy: .certificate),
        ]
        try await withGatehouse(config) { _, port in
            try await withClients(port: port, pki: pki, [bound, device, nil]) { clients in
                let (bound, device, none) = (clients[0], clients[1], clients[2])
                // Management wants a certificate and a key: the device's certificate vouches for the connection.
                #expect(try await none.post("/key/generate", [:], key: TestKeys.master).status == 401)
                // The route, not the path as written, decides: `//key/generate` reaches the same route.
                #expect(try await none.post("//key/generate", [:], key: TestKeys.master).status == 401)
                #expect(try await none.post("//v1/chat/completions", chat("mock-gpt"), key: TestKeys.master).status == 401)
                #expect(try await device.post("/key/generate", [:]).status == 401)
                let key = try #require(try await device.post("/key/generate", [:], key: TestKeys.master).json?["token"]?.stringValue)
                let binding: JSONValue = ["identity": .string("san_uri:" + spiffe), "key_id": .string(key)]
                #expect(try await device.post("/certificate/bind", binding, key: TestKeys.master).status == 200)
                // A certificate bound to a key, presented with another credential: refused.
                #expect(try await bound.post("/key/generate", [:], key: TestKeys.master).status == 403)
                // Chat wants a certificate: a key alone is not enough.
                #expect(try await none.post("/v1/chat/completions", chat("mock-gpt"), key: TestKeys.master).status == 401)
                #expect(try await bound.post("/v1/chat/completions", chat("mock-gpt")).status == 200)
                // Routes not named take any credential.
                #expect(try await none.post("/v1/models", nil, key: TestKeys.master).status == 200)
            }
        }
    }

    @Test func aCertificateBoundToATeamAloneIsNoUser() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [try #require(IPNetwork("127.0.0.1"))]
        config.server.identity.clientCertificateIdentity = .subjectCN
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "ops"])
            _ = try await client.post("/certificate/bind", ["identity": "subject_cn:batch-runner", "team_id": "ops"])
            let header = "Hash=\(String(repeating: "cd", count: 32));Subject=\"CN=batch-runner\""
            let answer = try await client.post(
                "/v1/chat/completions", chat("mock-gpt"), headers: [HTTPField.Name("x-forwarded-client-cert")!: header])
            #expect(answer.status == .ok)
            var rows: [JSONValue] = []
            _ = try await eventually {
                rows = try await client.get("/spend/logs").json?.arrayValue ?? []
                return !rows.isEmpty
            }
            #expect(rows.count == 1 && rows.first?["team_id"] == "ops" && rows.first?["user"] == .null)
            #expect(rows.first?["principal"] == "mtls:certificate:subject_cn:batch-runner")
        }
    }

    @Test func aSessionOverHTTPSIsAHostCookieAndNeverOpensARouteHeldToCertificates() async throws {
        let pki = try TestPKI.make()
        var config = config(pki, clientAuth: .optional)
        config.server.sessions.passwordHashCost = 4
        config.server.identity.certificateRoutes = [.init(route: "/key/list", policy: .certificate)]
        try await withGatehouse(config) { _, port in
            try await withClients(port: port, pki: pki, [nil]) { clients in
                let client = clients[0]
                let password = "correct horse battery staple"
                let created = try await client.post(
                    "/user/new", ["user_id": "ada", "user_role": "proxy_admin", "password": .string(password)], key: TestKeys.master)
                #expect(created.status == 200)
                var login = HTTPClientRequest(url: "https://127.0.0.1:\(port)/login")
                login.method = .POST
                login.headers.add(name: "content-type", value: "application/json")
                login.body = .bytes(ByteBuffer(bytes: JSONCoding.encode(["username": "ada", "password": .string(password)])))
                let response = try await client.http.execute(login, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 16)
                let setCookie = try #require(response.headers.first(name: "set-cookie"))
                #expect(setCookie.hasPrefix("__Host-gatehouse_session=gsess-") && setCookie.contains("; Secure"))
                let cookie = try #require(setCookie.split(separator: ";").first).trimmingSpaces
                func get(_ path: String) async throws -> UInt {
                    var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
                    request.headers.add(name: "cookie", value: cookie)
                    let answer = try await client.http.execute(request, timeout: .seconds(10))
                    _ = try await answer.body.collect(upTo: 1 << 20)
                    return answer.status.code
                }
                #expect(try await get("/session") == 200)
                #expect(try await get("/user/list") == 200)
                // The route wants a certificate: a session, even an admin's, does not open it.
                #expect(try await get("/key/list") == 401)
            }
        }
    }
}
