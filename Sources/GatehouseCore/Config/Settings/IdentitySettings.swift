/// How callers prove who they are, beyond the key store: keys in URLs, Gatehouse's own OAuth
/// tokens, and client certificates.
public struct IdentitySettings: Sendable, Equatable {
    /// Whether model routes accept an API key in the URL (`?key=`, as Gemini clients send it).
    /// Off by default: URLs end up in proxy logs and browser histories.
    public var allowKeyInQuery = false
    /// Whether a master key that fails the strength check (short, a placeholder) is accepted
    /// with a warning rather than refused, as LiteLLM accepts `sk-1234`.
    public var allowWeakMasterKey = false
    /// Whether a proxy admin with a user id who creates a team becomes one of its admins, as
    /// LiteLLM does (`general_settings.disable_auto_add_proxy_admin_to_teams` turns it off).
    public var addTeamCreatorAsAdmin = true
    /// Gatehouse's own authorization server (`/oauth/token`).
    public var oauth = OAuthServerSettings()
    /// How a verified client certificate (from the TLS handshake or a trusted proxy's header)
    /// becomes an identity to bind.
    public var clientCertificateIdentity: ClientCertificate.IdentityKind = .fingerprint
    /// The header a trusted proxy puts the client certificate in (Envoy's format).
    public var clientCertificateHeader = "x-forwarded-client-cert"
    /// Routes (paths, `prefix/*`, or groups such as `management_routes`) and what they ask of a
    /// client certificate; the first matching entry applies, other routes take any credential.
    public var certificateRoutes: [CertificateRoute] = []
    /// At most this many keys held in memory, loaded on first use (nil: every key, loaded at start).
    public var keyCacheSize: Int?
    /// How long a well-formed key the store does not hold is remembered as unknown (bounded cache only).
    public var unknownKeySeconds: Double = 30

    public struct CertificateRoute: Sendable, Equatable {
        public var route: String
        public var policy: CertificatePolicy

        public init(route: String, policy: CertificatePolicy) {
            self.route = route
            self.policy = policy
        }
    }

    public enum CertificatePolicy: String, Sendable, CaseIterable {
        /// A certificate or any other credential (the default).
        case any
        /// Only a client certificate authenticates.
        case certificate
        /// A client certificate and another credential, which authenticates.
        case certificateAndKey = "certificate_and_key"
    }

    public init() {}
}

extension IdentitySettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Identity",
            summary: "Keys in URLs, Gatehouse's own OAuth tokens ([oauth.md](oauth.md)), client certificates ([mtls.md](mtls.md)).",
            keys: [
                .value(
                    "key_cache_size", \.identity.keyCacheSize,
                    meaning: "Hold at most this many API keys in memory, the most recently used: a key not held costs one indexed "
                        + "lookup in the store on first use, then is served from memory; start-up loads no keys, so it takes seconds "
                        + "whatever the store holds. Unset, every key is loaded at start and no request reads the store "
                        + "([scale.md](scale.md)).",
                    default: "none (every key)", example: "1000000"
                ) { node, path, reader in
                    try reader.int(node, at: path, range: 100...1_000_000_000)
                },
                .number(
                    "unknown_key_seconds", \.identity.unknownKeySeconds,
                    meaning: "With `key_cache_size`: how long a well-formed key the store does not hold is remembered as unknown, so "
                        + "that random keys cannot make every request a store lookup. A key created meanwhile is known at once (the "
                        + "change feed clears it).",
                    example: "10"),
                .flag(
                    "allow_key_in_query", \.identity.allowKeyInQuery,
                    meaning: "Accept an API key in the URL of model routes (`?key=`, `?api_key=`, `?api-key=`, as Gemini clients send "
                        + "it). When off, such a request is refused with 401 whatever else it carries, so a key never rides in a URL "
                        + "that proxies and browsers log. Management routes are unaffected (`/key/info?key=` names the key to look up, "
                        + "it does not authenticate).",
                    example: "true"),
                .flag(
                    "allow_weak_master_key", \.identity.allowWeakMasterKey,
                    meaning: "Accept a `general_settings.master_key` shorter than 32 characters, with few distinct characters or "
                        + "containing a placeholder word (LiteLLM's examples use `sk-1234`), with a warning at start-up. Off: such a "
                        + "key stops start-up, since it opens every management route to whoever guesses it.",
                    example: "true"),
                .value(
                    "oauth_issuer", \.identity.oauth.issuer,
                    meaning: "The `iss` and `aud` of the access tokens Gatehouse issues at `/oauth/token`, and the base of its OAuth "
                        + "metadata URLs ([oauth.md](oauth.md)).",
                    default: "`http://<host>:<port>`", example: "https://gatehouse.example.com"
                ) { node, path, reader in
                    try JWTIssuerParser.url(node, at: path, reader: reader)
                },
                .number(
                    "oauth_token_lifetime_seconds", \.identity.oauth.tokenLifetimeSeconds, minimum: 1,
                    meaning: "Lifetime of those access tokens.", example: "900"),
                .choice("oauth_signing_algorithm", \.identity.oauth.algorithm, meaning: "`ES256` or `EdDSA`.", example: "EdDSA"),
                .value(
                    "oauth_key_rotation_days", \.identity.oauth.keyRotationSeconds,
                    meaning: "How long a signing key signs before a new one takes over (the old one keeps verifying until its tokens "
                        + "expire).",
                    default: "`\(SettingKey.shown(OAuthServerSettings().keyRotationSeconds / 86_400))`", example: "7"
                ) { node, path, reader in
                    try reader.double(node, at: path, minimum: 1).map { $0 * 86_400 }
                },
                .choice(
                    "tls_client_identity", \.identity.clientCertificateIdentity,
                    meaning: "What of a verified certificate (from the handshake or a trusted proxy) is its identity for "
                        + "`/certificate/bind`: `san_uri` (a SPIFFE ID), `san_dns`, `san_email`, `subject_cn` or `fingerprint` (SHA-256).",
                    example: "san_uri"),
                .value(
                    "client_cert_header", \.identity.clientCertificateHeader,
                    meaning: "The header a trusted proxy puts the client certificate in, in Envoy's `X-Forwarded-Client-Cert` format.",
                    default: "`\(IdentitySettings().clientCertificateHeader)`", example: "x-client-cert"
                ) { node, path, reader in
                    try reader.string(node, at: path)?.lowercased()
                },
                .custom(
                    "certificate_routes",
                    meaning: "Routes (paths, `prefix/*`, route groups) mapped to `certificate` (only a client certificate "
                        + "authenticates), `certificate_and_key` (a certificate and a key, which authenticates) or `any`; the first "
                        + "matching entry applies.",
                    example: "{management_routes: certificate_and_key}"
                ) { fields, path, reader, settings in
                    guard let node = fields["certificate_routes"] else { return }
                    for (route, policy) in try reader.orderedStringMap(node, at: "\(path).certificate_routes") {
                        guard let known = CertificatePolicy(rawValue: policy) else {
                            throw reader.error(
                                "\(path).certificate_routes.\(route)", node,
                                "must be \(SettingKey.alternatives(CertificatePolicy.allCases.map(\.rawValue)))")
                        }
                        settings.identity.certificateRoutes.append(.init(route: route, policy: known))
                    }
                },
            ])
    }
}
