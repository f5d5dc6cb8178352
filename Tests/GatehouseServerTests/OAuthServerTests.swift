import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Gatehouse as an authorization server: client credentials, revocation, introspection, keys.
@Suite("OAuth 2.0 authorization server")
struct OAuthServerTests {
    static let issuer = "https://gatehouse.test"

    var config: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        config.models.append(Deployment.mock(modelName: "openai/gpt-4o"))
        config.server.identity.oauth.issuer = Self.issuer
        return config
    }

    struct Client {
        let id: String
        let secret: String
        var basic: String { "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }
    }

    func register(
        _ client: any TestClientProtocol, _ body: JSONValue = ["scopes": ["chat", "embed"], "models": ["mock-gpt"]]
    ) async throws -> Client {
        let created = try await client.post("/oauth/client/new", body)
        #expect(created.status == .ok)
        return Client(id: try #require(created.json?["client_id"]?.stringValue), secret: try #require(created.json?["client_secret"]?.stringValue))
    }

    func form(
        _ client: any TestClientProtocol, _ path: String, _ body: String, authorization: String? = nil, method: HTTPRequest.Method = .post,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }

    func accessToken(_ client: any TestClientProtocol, _ registered: Client, scope: String? = nil) async throws -> String {
        let body = "grant_type=client_credentials" + (scope.map { "&scope=\($0)" } ?? "")
        let response = try await form(client, "/oauth/token", body, authorization: registered.basic)
        #expect(response.status == .ok, "\(response.text)")
        return try #require(response.json?["access_token"]?.stringValue)
    }

    @Test func aClientCredentialsTokenActsWithTheClientsModels() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await register(client)
            let issued = try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: registered.basic)
            #expect(issued.status == .ok)
            #expect(issued.headers[.cacheControl] == "no-store")
            #expect(issued.json?["token_type"] == "Bearer" && issued.json?["expires_in"] == 3600 && issued.json?["scope"] == "chat embed")
            let token = try #require(issued.json?["access_token"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .ok)
            let forbidden = try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(token))
            #expect(forbidden.status == .forbidden)

            let posted = try await form(
                client, "/oauth/token", "grant_type=client_credentials&scope=chat&client_id=\(registered.id)&client_secret=\(registered.secret)")
            #expect(posted.status == .ok && posted.json?["scope"] == "chat")
        }
    }

    @Test func tokenEndpointErrorsAreRFC6749() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await register(client)
            let wrong = Client(id: registered.id, secret: registered.secret + "x")
            let cases: [(TestResponse, HTTPResponse.Status, String)] = [
                (
                    try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: wrong.basic), .unauthorized,
                    "invalid_client"
                ),
                (
                    try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: Client(id: "nobody", secret: "x").basic),
                    .unauthorized, "invalid_client"
                ),
                (try await form(client, "/oauth/token", "grant_type=client_credentials"), .unauthorized, "invalid_client"),
                (
                    try await form(
                        client, "/oauth/token?client_secret=\(registered.secret)", "grant_type=client_credentials&client_id=\(registered.id)"),
                    .badRequest, "invalid_request"
                ),
                (try await form(client, "/oauth/token", "", method: .get), .methodNotAllowed, "invalid_request"),
                (
                    try await form(client, "/oauth/token", "grant_type=password&username=a&password=b", authorization: registered.basic), .badRequest,
                    "unsupported_grant_type"
                ),
                (try await form(client, "/oauth/token", "scope=chat", authorization: registered.basic), .badRequest, "invalid_request"),
                (
                    try await form(client, "/oauth/token", "grant_type=client_credentials&scope=admin", authorization: registered.basic), .badRequest,
                    "invalid_scope"
                ),
                (
                    try await form(
                        client, "/oauth/token", "grant_type=client_credentials&client_id=\(registered.id)&client_secret=\(registered.secret)",
                        authorization: registered.basic), .badRequest, "invalid_request"
                ),
                (
                    try await form(
                        client, "/oauth/token", "{\"grant_type\":\"client_credentials\"}", authorization: registered.basic,
                        contentType: "application/json"),
                    .badRequest, "invalid_request"
                ),
                (
                    try await form(
                        client, "/oauth/token", "grant_type=client_credentials&grant_type=client_credentials", authorization: registered.basic),
                    .badRequest, "invalid_request"
                ),
            ]
            for (index, (response, status, error)) in cases.enumerated() {
                #expect(response.status == status, "case \(index): \(response.text)")
                #expect(response.json?["error"] == .string(error), "case \(index)")
                #expect(response.headers[.cacheControl] == "no-store", "case \(index)")
                #expect(!response.text.contains(registered.secret), "case \(index)")
            }
            #expect(cases[0].0.headers[.wwwAuthenticate] != nil)
        }
    }

    @Test func revocationAndIntrospection() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await register(client)
            let other = try await register(client)
            let resourceServer = try await register(client, ["scopes": [.string(OAuthClient.introspectionScope)]])
            let token = try await accessToken(client, registered)
            // Attack (RFC 7662 §4): another client probes whether a token it found is live and whose it is.
            #expect(try await form(client, "/oauth/introspect", "token=\(token)", authorization: other.basic).json == ["active": false])
            for introspecting in [registered, resourceServer] {
                let active = try await form(client, "/oauth/introspect", "token=\(token)", authorization: introspecting.basic)
                #expect(
                    active.json?["active"] == true && active.json?["client_id"] == .string(registered.id) && active.json?["scope"] == "chat embed")
            }
            // Another client cannot revoke it (RFC 7009 still answers 200).
            #expect(try await form(client, "/oauth/revoke", "token=\(token)", authorization: other.basic).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .ok)
            #expect(
                try await form(client, "/oauth/revoke", "token=\(token)&token_type_hint=access_token", authorization: registered.basic).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .unauthorized)
            let inactive = try await form(client, "/oauth/introspect", "token=\(token)", authorization: resourceServer.basic)
            #expect(inactive.json == ["active": false])
            #expect(try await form(client, "/oauth/revoke", "token=garbage", authorization: registered.basic).status == .ok)
            #expect(try await form(client, "/oauth/introspect", "token=\(token)").status == .unauthorized)
        }
    }

    @Test func blockingDeletingAndNewSecretsHoldAtOnce() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await register(client)
            let token = try await accessToken(client, registered)
            _ = try await client.post("/oauth/client/update", ["client_id": .string(registered.id), "blocked": true])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .unauthorized)
            #expect(try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: registered.basic).status == .unauthorized)
            _ = try await client.post("/oauth/client/update", ["client_id": .string(registered.id), "blocked": false])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .ok)

            let renewed = try await client.post("/oauth/client/regenerate_secret", ["client_id": .string(registered.id)])
            let secret = try #require(renewed.json?["client_secret"]?.stringValue)
            #expect(try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: registered.basic).status == .unauthorized)
            _ = try await accessToken(client, Client(id: registered.id, secret: secret))

            let info = try await client.get("/oauth/client/info?client_id=\(registered.id)")
            #expect(info.json?["client_id"] == .string(registered.id) && !info.text.contains(secret))
            _ = try await client.post("/oauth/client/delete", ["client_ids": [.string(registered.id)]])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .unauthorized)
        }
    }

    @Test func signingKeysArePublishedRotatedAndBoundToTheirKid() async throws {
        try await withGatehouse(config) { client, _ in
            let metadata = try await client.get("/.well-known/oauth-authorization-server", headers: [:])
            #expect(metadata.json?["issuer"] == .string(Self.issuer))
            #expect(metadata.json?["token_endpoint"] == .string(Self.issuer + "/oauth/token"))
            #expect(
                metadata.json?["grant_types_supported"]
                    == ["client_credentials", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"])
            // Never the implicit or password grants; PKCE by S256 only.
            #expect(metadata.json?["response_types_supported"] == ["code"] && metadata.json?["code_challenge_methods_supported"] == ["S256"])
            let registered = try await register(client)
            let before = try await accessToken(client, registered)
            let keys = try await client.get("/.well-known/jwks.json", headers: [:])
            let first = try #require(keys.json?["keys"]?.arrayValue?.first?["kid"]?.stringValue)
            #expect(keys.json?["keys"]?.arrayValue?.count == 1)
            #expect(keys.json?["keys"]?.arrayValue?.first?["d"] == nil)

            let rotated = try await client.post("/oauth/keys/rotate", [:])
            let second = try #require(rotated.json?["kid"]?.stringValue)
            #expect(second != first)
            #expect(try await client.get("/.well-known/jwks.json", headers: [:]).json?["keys"]?.arrayValue?.count == 2)
            // Tokens signed before the rotation stay valid; new ones carry the new kid.
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(before)).status == .ok)
            let after = try await accessToken(client, registered)
            let header = try #require(after.split(separator: ".").first)
            var padded = String(header).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            padded += String(repeating: "=", count: (4 - padded.count % 4) % 4)
            let decoded = try JSONCoding.decode(Array(try #require(Data(base64Encoded: padded))))
            #expect(decoded["kid"] == .string(second) && decoded["typ"] == "at+jwt")

            // The same claims signed with a key Gatehouse does not hold, under its kid: refused.
            let parts = after.split(separator: ".").map(String.init)
            let forger = P256.Signing.PrivateKey()
            let signature = try forger.signature(for: SHA256.hash(data: Array((parts[0] + "." + parts[1]).utf8))).rawRepresentation
            let forged =
                parts[0] + "." + parts[1] + "."
                + signature.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(forged)).status == .unauthorized)
        }
    }

    @Test func onlyProxyAdminsRegisterClients() async throws {
        try await withGatehouse(config) { client, _ in
            let user = try await client.post("/user/new", ["user_id": "u", "user_role": "internal_user"])
            let key = try #require(user.json?["key"]?.stringValue)
            #expect(try await client.post("/oauth/client/new", [:], headers: bearer(key)).status == .forbidden)
            #expect(try await client.get("/oauth/client/list", headers: bearer(key)).status == .forbidden)
            #expect(try await client.post("/oauth/keys/rotate", [:], headers: bearer(key)).status == .forbidden)
        }
    }

    @Test func repeatedWrongSecretsLockTheClientOutFromThatAddress() async throws {
        try await withGatehouse(config) { client, _ in
            let registered = try await register(client)
            let wrong = Client(id: registered.id, secret: "ghs_wrong")
            for _ in 0..<5 {
                let refused = try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: wrong.basic)
                #expect(refused.status == .unauthorized)
            }
            // Even the right secret waits now, from this address.
            let blocked = try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: registered.basic)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.headers[.retryAfter].flatMap(Int.init).map { (55...60).contains($0) } == true)
            #expect(blocked.json?["error"] == "invalid_client" && blocked.headers[.cacheControl] == "no-store")
            // Another client is not affected.
            let other = try await register(client)
            #expect(try await form(client, "/oauth/token", "grant_type=client_credentials", authorization: other.basic).status == .ok)
        }
    }
}
