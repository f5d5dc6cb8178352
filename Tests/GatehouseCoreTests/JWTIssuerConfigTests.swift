import GatehouseCore
import Testing

@Suite("JWT issuer configuration")
struct JWTIssuerConfigTests {
    func load(_ yaml: String, env: [String: String] = [:]) throws -> GatehouseConfig {
        try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: env).config
    }

    @Test func readsAnIssuer() throws {
        let config = try load(
            """
            jwt_issuers:
              - name: corp
                issuer: https://idp.example.com
                audience: [gatehouse, api]
                algorithms: [RS256, HS256]
                jwks_url: https://idp.example.com/jwks
                keys:
                  - kid: shared
                    secret: os.environ/JWT_SECRET
                leeway_seconds: 30
                max_lifetime_seconds: 3600
                required_type: at+jwt
                claims: {team: groups, roles: realm_access.roles}
                role_mappings: {gh-admins: proxy_admin}
                scope_models: {"llm:small": [gpt-4o-mini]}
                models: [gpt-4o-mini]
                limit_claims: {rpm_limit: rate_limit}
                create_users: true
            """, env: ["JWT_SECRET": String(repeating: "s", count: 32)])
        let issuer = try #require(config.jwtIssuers.first)
        #expect(issuer.name == "corp" && issuer.issuer == "https://idp.example.com" && issuer.audiences == ["gatehouse", "api"])
        #expect(issuer.algorithms == ["RS256", "HS256"] && issuer.jwksURL == "https://idp.example.com/jwks")
        #expect(issuer.keys == [.init(kid: "shared", material: .secret(String(repeating: "s", count: 32)), path: "jwt_issuers[0].keys[0]")])
        #expect(issuer.leewaySeconds == 30 && issuer.maxLifetimeSeconds == 3600 && issuer.requiredType == "at+jwt")
        #expect(issuer.mapping.claims.team == "groups" && issuer.mapping.claims.roles == "realm_access.roles" && issuer.mapping.claims.user == "sub")
        #expect(issuer.mapping.limitClaims == ["rpm_limit": "rate_limit"] && issuer.mapping.createUsers && !issuer.mapping.createTeams)
        #expect(issuer.mapping.roleMappings == ["gh-admins": .proxyAdmin] && issuer.mapping.scopeModels == ["llm:small": ["gpt-4o-mini"]])
    }

    @Test(arguments: [
        ("HS256", 31, "needs a secret of at least 32 bytes"), ("HS384", 47, "at least 48 bytes"), ("HS512", 63, "at least 64 bytes"),
    ])
    func shortHMACSecretsRefuseToStartNamingTheKey(algorithm: String, length: Int, message: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load(
                """
                jwt_issuers:
                  - issuer: https://idp.example.com
                    audience: gatehouse
                    algorithms: [\(algorithm)]
                    keys:
                      - secret: \(String(repeating: "k", count: length))
                """)
        }
        #expect(error.path == "jwt_issuers[0].keys[0].secret")
        #expect(error.description.contains(message))
    }

    @Test(arguments: [
        ("algorithms: [none]", "jwt_issuers[0].algorithms", "`none` is not supported"),
        ("algorithms: [RS256]\n    audience: []", "jwt_issuers[0].audience", "is required"),
        ("algorithms: [RS256]", "jwt_issuers[0]", "needs `keys`, `jwks_url` or `discovery_url`"),
        ("algorithms: [RS256]\n    jwks_url: ftp://x", "jwt_issuers[0].jwks_url", "http(s) URL"),
        ("algorithms: [RS256]\n    jwks_url: https://x\n    role_mappings: {a: root}", "jwt_issuers[0].role_mappings.a", "is not a role"),
        ("algorithms: [RS256]\n    jwks_url: https://x\n    limit_claims: {rpm: x}", "jwt_issuers[0].limit_claims.rpm", "unknown key"),
    ])
    func unsafeIssuersAreRefused(extra: String, path: String, message: String) throws {
        let audience = extra.contains("audience") ? "" : "\n    audience: gatehouse"
        let error = try #require(throws: ConfigError.self) {
            try load("jwt_issuers:\n  - issuer: https://idp.example.com\(audience)\n    \(extra)")
        }
        #expect(error.path == path)
        #expect(error.description.contains(message))
    }

    @Test func readsAnIntrospectionEndpoint() throws {
        let config = try load(
            """
            oauth_introspection:
              - url: https://as.example.com/introspect
                client_id: gatehouse
                client_secret: os.environ/SECRET
                client_auth: client_secret_post
                cache_seconds: 0
                audience: gatehouse
                scope_models: {chat: [gpt-4o-mini]}
            """, env: ["SECRET": "s"])
        let endpoint = try #require(config.introspection.first)
        #expect(endpoint.name == "https://as.example.com/introspect" && endpoint.clientSecret == "s" && endpoint.authentication == .post)
        #expect(endpoint.cacheSeconds == 0 && endpoint.audiences == ["gatehouse"] && endpoint.mapping.scopeModels == ["chat": ["gpt-4o-mini"]])

        let error = try #require(throws: ConfigError.self) {
            try load(
                "oauth_introspection:\n  - url: https://as.example.com/i\n    client_id: a\n    client_secret: b\n    client_auth: private_key_jwt")
        }
        #expect(error.path == "oauth_introspection[0].client_auth")
    }
}
