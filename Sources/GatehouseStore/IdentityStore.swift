/// The stores behind the identity cache: keys, the directory of users, teams and organizations,
/// OAuth clients and revocations, client certificate bindings, passwords and sessions, and the change log, all on one database.
public struct IdentityStore: Sendable {
    public let keys: KeyStore
    public let directory: DirectoryStore
    public let changes: ChangeLog
    public let oauth: OAuthStore
    public let certificates: CertificateStore
    public let logins: LoginStore
    public let customers: CustomerStore
    public let models: ModelStore
    public let people: PersonTokenStore
    /// The database, for the stores of other things on it (spend, the audit trail).
    public let source: any SQLConnectionSource

    public init(source: any SQLConnectionSource) {
        self.source = source
        keys = KeyStore(source: source)
        directory = DirectoryStore(source: source)
        changes = ChangeLog(source: source)
        oauth = OAuthStore(source: source)
        certificates = CertificateStore(source: source)
        logins = LoginStore(source: source)
        customers = CustomerStore(source: source)
        models = ModelStore(source: source)
        people = PersonTokenStore(source: source)
    }

    public func migrate() async throws { try await keys.migrate() }
}
