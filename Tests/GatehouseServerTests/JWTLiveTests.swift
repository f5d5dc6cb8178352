import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// JWTs through a running Gatehouse: the same Principal as a key, on model and management routes.
@Suite("JWT bearer tokens, live")
struct JWTLiveTests {
    static let secret = "live-test-secret-with-at-least-thirty-two-bytes"

    var config: GatehouseConfig {
        var config = GatehouseConfig.embeddedDefault
        config.models.append(Deployment.mock(modelName: "openai/gpt-4o"))
        var issuer = JWTIssuerSettings(name: "sso", issuer: "https://sso.test", audiences: ["gatehouse"], algorithms: ["HS256"])
        issuer.keys = [.init(kid: nil, material: .secret(Self.secret), path: "k")]
        issuer.mapping.claims.team = "team"
        issuer.mapping.claims.roles = "roles"
        issuer.mapping.roleMappings = ["admins": .proxyAdmin]
        config.jwtIssuers = [issuer]
        return config
    }

    static func token(_ claims: [String: JSONValue]) -> String {
        func b64(_ bytes: [UInt8]) -> String {
            Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let now = Date().timeIntervalSince1970.rounded()
        var payload: JSONValue = ["iss": "https://sso.test", "aud": "gatehouse", "iat": .number(now), "exp": .number(now + 300)]
        for (name, value) in claims { payload[name] = value }
        let input = b64(JSONCoding.encode(["alg": "HS256", "typ": "JWT"])) + "." + b64(JSONCoding.encode(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + b64(Array(mac))
    }

    @Test func aTokenIsAPrincipalLikeAKey() async throws {
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/team/new", ["team_id": "search", "models": ["mock-gpt"]])
            let carol = Self.token(["sub": "carol", "team": "search"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(carol)).status == .ok)
            // The team in the token bounds it like a key's team.
            let forbidden = try await client.post("/v1/chat/completions", chat("openai/gpt-4o"), headers: bearer(carol))
            #expect(forbidden.status == .forbidden && forbidden.json?["error"]?["param"] == "model")
            let listed = try await client.get("/v1/models", headers: bearer(carol))
            #expect(listed.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["mock-gpt"])
            // Management within an internal user's reach: her own key, no wider than her token.
            #expect(try await client.post("/key/generate", [:], headers: bearer(carol)).status == .forbidden)
            let key = try await client.post("/key/generate", ["models": ["mock-gpt"]], headers: bearer(carol))
            #expect(key.status == .ok && key.json?["user_id"] == "carol")
            #expect(try await client.get("/user/list", headers: bearer(carol)).status == .forbidden)
            // A mapped role is the token's role.
            let admin = Self.token(["sub": "dana", "roles": ["admins"]])
            #expect(try await client.get("/user/list", headers: bearer(admin)).status == .ok)

            _ = try await client.post("/team/block", ["team_id": "search"])
            let blocked = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(carol))
            #expect(blocked.status == .unauthorized)
        }
    }

    @Test func aTokenCannotBorrowTheRoleOfAGatehouseUserWithItsSubject() async throws {
        try await withGatehouse(config) { client, _ in
            _ = try await client.post("/user/new", ["user_id": "root", "user_role": "proxy_admin", "auto_create_key": false])
            let impostor = Self.token(["sub": "root"])
            #expect(try await client.get("/user/list", headers: bearer(impostor)).status == .forbidden)
            let minted = try await client.post("/key/generate", [:], headers: bearer(impostor))
            #expect(minted.status == .forbidden)
            #expect(minted.json?["error"]?["type"] == "auth_error")
        }
    }

    @Test func usersAndTeamsNamedInTokensAreCreatedWhenAsked() async throws {
        var config = self.config
        config.jwtIssuers[0].mapping.createUsers = true
        config.jwtIssuers[0].mapping.createTeams = true
        try await withGatehouse(config) { client, _ in
            let token = Self.token(["sub": "erin", "email": "erin@example.com", "team": "newteam"])
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status == .ok)
            let user = try await client.get("/user/info?user_id=erin")
            #expect(user.status == .ok && user.json?["user_info"]?["user_email"] == "erin@example.com")
            #expect(user.json?["user_info"]?["user_role"] == "internal_user")
            let team = try await client.get("/team/info?team_id=newteam")
            #expect(team.json?["team_info"]?["members"] == ["erin"])
        }
        // Off by default: nothing is created.
        try await withGatehouse(self.config) { client, _ in
            let token = Self.token(["sub": "frank", "team": "otherteam"])
            let answered = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token))
            let user = try await client.get("/user/info?user_id=frank")
            let team = try await client.get("/team/info?team_id=otherteam")
            #expect(answered.status == .ok && user.status == .notFound && team.status == .notFound)
        }
    }

    @Test func aRateLimitClaimLimitsTheToken() async throws {
        var config = self.config
        config.jwtIssuers[0].mapping.limitClaims = ["rpm_limit": "rate_limit"]
        try await withGatehouse(config) { client, _ in
            let token = Self.token(["sub": "gina", "rate_limit": 2])
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token)).status) }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(token))
            #expect(refused.json?["error"]?["message"] == "Rate limit reached: 2 requests per minute for this token.")
        }
    }
}
