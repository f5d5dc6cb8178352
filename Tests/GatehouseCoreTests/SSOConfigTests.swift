import GatehouseCore
import Testing

@Suite("Single sign-on configuration")
struct SSOConfigTests {
    func load(_ yaml: String, env: [String: String] = [:]) throws -> GatehouseConfig {
        try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: env).config
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try load(yaml)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsAProviderByDiscovery() throws {
        let config = try load(
            """
            sso:
              - name: okta
                display_name: Okta
                issuer: https://corp.okta.com
                client_id: gatehouse
                client_secret: os.environ/SSO_SECRET
                scopes: [email, groups]
                claims: {user: email, roles: groups, team: department}
                role_mappings: {gatehouse-admins: proxy_admin}
                allowed_email_domains: ["@Corp.example"]
                create_users: true
            """, env: ["SSO_SECRET": "from-the-environment"])
        let provider = try #require(config.sso.first)
        #expect(provider.name == "okta" && provider.displayName == "Okta" && provider.clientSecret == "from-the-environment")
        #expect(provider.discoveryURL == "https://corp.okta.com/.well-known/openid-configuration" && provider.endpoints == nil)
        #expect(provider.scopes == ["openid", "email", "groups"] && provider.algorithms == ["RS256"] && provider.authentication == .basic)
        #expect(provider.allowedEmailDomains == ["corp.example"] && provider.requireVerifiedEmail && provider.linkByEmail)
        #expect(provider.mapping.claims.user == "email" && provider.mapping.roleMappings == ["gatehouse-admins": .proxyAdmin])
        #expect(provider.mapping.createUsers && !provider.mapping.createTeams)
        // Its ID tokens are verified as a JWT issuer's whose audience is the client.
        let issuer = provider.idTokenIssuer
        #expect(issuer.audiences == ["gatehouse"] && issuer.discoveryURL == provider.discoveryURL && issuer.keys.isEmpty)
    }

    @Test func readsExplicitEndpointsAndAPublicClient() throws {
        let config = try load(
            """
            sso:
              - name: keycloak
                issuer: https://kc.example/realms/corp
                authorization_endpoint: https://kc.example/auth
                token_endpoint: https://kc.example/token
                jwks_url: https://kc.example/certs
                client_id: gatehouse
            """)
        let provider = try #require(config.sso.first)
        #expect(
            provider.endpoints
                == .init(
                    authorization: "https://kc.example/auth", token: "https://kc.example/token", jwks: "https://kc.example/certs"))
        #expect(provider.authentication == .none && provider.clientSecret == nil)
        #expect(provider.idTokenIssuer.jwksURL == "https://kc.example/certs" && provider.idTokenIssuer.discoveryURL == nil)
    }

    @Test func refusesWhatCannotWork() {
        let base = "issuer: https://idp.example\n    client_id: gatehouse"
        #expect(error("sso:\n  - name: a b\n    \(base)").contains("sso[0].name"))
        #expect(error("sso:\n  - name: a\n    client_id: gatehouse").contains("sso[0].issuer"))
        #expect(error("sso:\n  - name: a\n    \(base)\n    token_endpoint: https://idp.example/token").contains("needs all of"))
        #expect(error("sso:\n  - name: a\n    \(base)\n    algorithms: [HS256]").contains("client_secret"))
        #expect(error("sso:\n  - name: a\n    \(base)\n    algorithms: [none]").contains("not supported"))
        #expect(error("sso:\n  - name: a\n    \(base)\n    client_auth: client_secret_post").contains("client_secret"))
        #expect(error("sso:\n  - name: a\n    \(base)\n    scope_models: {x: [y]}").contains("scope_models"))
        #expect(error("sso:\n  - name: a\n    \(base)\n  - name: a\n    \(base)").contains("configured twice"))
    }
}
