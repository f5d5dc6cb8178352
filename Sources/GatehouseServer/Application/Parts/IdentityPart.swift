import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Logging
import ServiceLifecycle

/// Who a request is: the identity store and its in-memory cache kept current by the change feed,
/// every authenticator (keys, JWTs, Gatehouse's own tokens, introspection, sessions, client
/// certificates) and the one `Authentication` decision over them.
struct IdentityPart {
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed & Service
    let signingKeys: SigningKeyRing
    let ownTokens: OwnTokenAuthenticator
    let jwt: JWTAuthenticator?
    let introspection: IntrospectionAuthenticator?
    /// The OpenID Providers people sign in with (`sso`).
    let singleSignOn: [OIDCRelyingParty]
    /// Every key set fetched from an identity provider (JWT issuers', then single sign-on's).
    let issuerKeys: [JWTIssuerKeys]
    let sessions: SessionAuthenticator
    let passwords: PasswordHasher
    /// Client certificates (read once per TLS connection, or from a trusted proxy's header).
    let certificates: ClientCertificateSource?
    let authentication: Authentication
    let services: [any Service]

    /// - Parameter clock: the time credentials are checked against (expiry, grace periods, sessions).
    init(
        config: GatehouseConfig, masterKey: String, connection: StoreConnection, metrics: GatewayMetrics, logger: Logger,
        clock: @escaping @Sendable () -> Date
    ) throws {
        let settings = config.server
        store = IdentityStore(source: connection.source)
        cache = IdentityCache(keyCapacity: settings.identity.keyCacheSize)
        let keys = KeyLookup(cache: cache, store: store.keys, unknownSeconds: settings.identity.unknownKeySeconds)
        feed = connection.changeFeed(cache: cache, logger: logger)
        signingKeys = SigningKeyRing(store: store.oauth, masterKey: masterKey, settings: settings.identity.oauth)
        let listener = settings.listener
        ownTokens = OwnTokenAuthenticator(
            issuer: settings.identity.oauth.issuer ?? "\(listener.scheme)://\(listener.host):\(listener.port)", ring: signingKeys, cache: cache)
        var jwksRefresher: JWKSRefresher?
        if !config.jwtIssuers.isEmpty || !config.introspection.isEmpty || !config.sso.isEmpty {
            let identityProviders = IdentityProviderClient { kind, succeeded in metrics.identityProvider(kind, ok: succeeded) }
            let issuers = try config.jwtIssuers.map { try JWTIssuerKeys(settings: $0, fetcher: identityProviders) }
            let provisioner = DirectoryProvisioner(store: store, cache: cache, feed: feed)
            var jwt = issuers.isEmpty ? nil : JWTAuthenticator(issuers: issuers, cache: cache, provisioner: provisioner)
            jwt?.keys = keys
            self.jwt = jwt
            var introspection =
                config.introspection.isEmpty
                ? nil
                : IntrospectionAuthenticator(endpoints: config.introspection, http: identityProviders, cache: cache, provisioner: provisioner)
            introspection?.keys = keys
            self.introspection = introspection
            singleSignOn = try config.sso.map { try OIDCRelyingParty(settings: $0, http: identityProviders, now: clock) }
            issuerKeys = issuers + singleSignOn.map(\.keys)
            jwksRefresher = JWKSRefresher(issuers: issuerKeys, fetcher: identityProviders, logger: logger)
        } else {
            jwt = nil
            introspection = nil
            singleSignOn = []
            issuerKeys = []
        }
        if let jwt { metrics.watch(cache: "jwt") { jwt.cacheLookups } }
        if let introspection { metrics.watch(cache: "introspection") { introspection.cacheLookups } }
        // Gatehouse's own tokens after the configured issuers' (each remembers the other's tokens
        // as foreign, so neither parses them again), and before introspection, which must never
        // be sent them.
        let chain: [(any Authenticator)?] = [
            MasterKeyAuthenticator(masterKey: masterKey), VirtualKeyAuthenticator(keys: keys, now: clock), jwt, ownTokens, introspection,
        ]
        sessions = SessionAuthenticator(
            store: store.logins, cache: cache, lifetime: settings.sessions.lifetimeSeconds, idleTimeout: settings.sessions.idleSeconds,
            master: MasterSignIn(masterKey: masterKey), now: clock)
        passwords = PasswordHasher(cost: settings.sessions.passwordHashCost)
        certificates = ClientCertificateSource(
            listeners: [listener.tls, listener.management?.tls], trustedProxies: settings.network.trustedProxies,
            header: settings.identity.clientCertificateHeader)
        let cache = cache
        var authentication = Authentication(
            secrets: AuthenticatorChain(chain.compactMap { $0 }),
            certificates: certificates.map { _ in
                CertificateAuthenticator(cache: cache, kind: settings.identity.clientCertificateIdentity, now: clock)
            },
            certificateRoutes: settings.identity.certificateRoutes, sessions: sessions, ownIssuer: ownTokens.issuer)
        authentication.adminSessionNetworks = settings.network.adminSessionAllowedIPs
        self.authentication = authentication
        services = [feed] + (jwksRefresher.map { [$0] } ?? []) + [SigningKeyRotation(ring: signingKeys, logger: logger)]
    }

    /// Before the listener opens: the schema migrated, every key in memory, the signing keys read.
    func load() async throws {
        try await store.migrate()
        try await cache.reload(from: store)
        try await signingKeys.load()
    }
}
