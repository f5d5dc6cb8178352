import GatehouseAuth
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import Hummingbird
import NIOCore

/// What every management route shares: the stores, this instance's identity cache and the feed
/// that tells other instances. Every change is written to the store and applied to the cache
/// before the response, so it holds from the next request on this instance.
struct Management: Sendable {
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed
    let spend: SpendLookup
    let audit: AuditStore
    /// Where each changing route's audit record goes (`changing`).
    let trail: Audit
    /// Hashes the passwords users sign in with (`password` on `/user/new` and `/user/update`).
    let passwords: PasswordHasher
    /// The models and their access groups, which bound the models a key may be granted.
    let router: ModelRouter
    /// Whether the proxy admin who creates a team (when they have a user id) becomes its admin.
    var addTeamCreatorAsAdmin = true
    /// The largest management body read, by the read routes and the changing ones alike.
    static let maxBodyBytes = 1024 * 1024

    var keys: KeyStore { store.keys }
    var directory: DirectoryStore { store.directory }

    /// Puts a record written to the store into this instance's cache and tells the others.
    /// - Parameter old: what it was (nil: it is new).
    /// - Returns: the change, for the route's audit record.
    func changed<Record: ManagedRecord>(_ record: Record, was old: Record? = nil) async throws -> RecordChange {
        record.put(in: cache)
        try await feed.publish(record.identityChange)
        return RecordChange(record, was: old)
    }

    /// Removes deleted records from this instance's cache and tells the others.
    /// - Returns: the changes, for the route's audit record.
    func removed(_ changes: [IdentityChange]) async throws -> [RecordChange] {
        var removed: [RecordChange] = []
        for change in changes {
            if let object = change.object { removed.append(RecordChange(object, before: nil, after: nil)) }
            cache.remove(change)
            try await feed.publish(change)
        }
        return removed
    }

    /// What a body asks of a user's password.
    enum PasswordChange {
        case none
        case remove
        case set(String)
    }

    /// The body's `password`, checked: absent, null (no password), or one to set.
    func password(in body: ManagementBody) throws -> PasswordChange {
        switch try body.string("password") {
        case .absent: return .none
        case .null: return .remove
        case .value(let text):
            try PasswordHasher.check(text)
            return .set(text)
        }
    }

    /// Sets (or removes) a user's password, and ends every session they have: whoever knew the
    /// old one is signed out everywhere.
    /// - Returns: the change (never the password or its hash), for the route's audit record.
    func apply(_ change: PasswordChange, to userID: String) async throws -> [RecordChange] {
        let hash: String?
        switch change {
        case .none: return []
        case .remove: hash = nil
        case .set(let password): hash = try await passwords.hash(password)
        }
        try await store.logins.setPasswordHash(hash, userID: userID)
        return [RecordChange(.user(userID), before: [:], after: ["sign_in": .string(hash == nil ? "password removed" : "password set")])]
    }

    /// Deletes keys and tells every instance.
    func deleteKeys(_ keys: [VirtualKey]) async throws -> [RecordChange] {
        _ = try await self.keys.delete(ids: keys.map(\.id))
        return try await removed(keys.map { .key($0.id) })
    }

    /// Keys with their spend in the budget period they are held to (their shared budget's, when
    /// it sets the period).
    func withSpend(_ keys: [VirtualKey]) async throws -> [VirtualKey] {
        try await spend.overlay(keys) { key in key.budgetID.flatMap(cache.budgetLimits).map { $0.filled(from: key.limits) } ?? key.limits }
    }

    func body(_ request: Request, emptyAllowed: Bool = false) async throws -> ManagementBody {
        try ManagementBody(parsing: try await request.body.collect(upTo: Self.maxBodyBytes).readableBytesView, emptyAllowed: emptyAllowed)
    }

    /// Who is calling, with their team memberships when their reach depends on them.
    func caller(_ context: AuthenticatedContext) async throws -> ManagementCaller {
        try await caller(context.principal)
    }

    /// Who is calling (the API's caller, or the console's signed-in user).
    func caller(_ principal: Principal) async throws -> ManagementCaller {
        var caller = ManagementCaller(principal: principal)
        guard principal.role != .proxyAdmin else { return caller }
        if let userID = principal.userID { caller.memberships = try await directory.memberships(userID: userID) }
        if let keyID = principal.keyID { caller.key = try await keys.key(id: keyID) }
        return caller
    }

    /// The owner of a key (or of one about to be made), as reach needs them.
    func owner(userID: String?, team teamID: String?) async throws -> KeyOwner {
        guard let userID else { return KeyOwner() }
        var owner = KeyOwner(userID: userID, role: try await directory.user(id: userID)?.role)
        if let teamID { owner.teamRole = try await directory.memberships(userID: userID)[teamID] }
        return owner
    }

    /// Refuses a user id or email that another user already signs in with: ids and emails are
    /// one namespace, or a user whose id is someone's email would lock that person out of
    /// signing in by email.
    func checkSignInNames(id: String, email: String?, of existing: String? = nil) async throws {
        if MasterSignIn.isReserved(id) { throw GatewayError.badRequest("User ids starting with `gatehouse:` are reserved.", param: "user_id") }
        for (name, field) in [(id, "user_id"), (email, "user_email")] {
            guard let name, let other = try await directory.user(named: name), other.id != existing else { continue }
            throw GatewayError.badRequest("`\(name)` is already another user's id or email.", param: field)
        }
    }

    /// Teams as the API shows them, each member with their `user_email` (one lookup for all).
    func json(_ teams: [Team]) async throws -> [JSONValue] {
        let ids = Set(teams.flatMap { $0.members.map(\.userID) })
        var emails: [String: String] = [:]
        for user in try await directory.users(ids: ids.sorted()) { emails[user.id] = user.email }
        return teams.map { ManagementJSON.team($0, emails: emails) }
    }

    func json(_ team: Team) async throws -> JSONValue { try await json([team])[0] }

    func team(_ id: String) async throws -> Team {
        guard let team = try await directory.team(id: id) else { throw GatewayError.managementNotFound("Team \(id) not found.", param: "team_id") }
        return team
    }

    func user(_ id: String) async throws -> User {
        guard let user = try await directory.user(id: id) else { throw GatewayError.managementNotFound("User \(id) not found.", param: "user_id") }
        return user
    }

    func organization(_ id: String) async throws -> Organization {
        guard let organization = try await directory.organization(id: id) else {
            throw GatewayError.managementNotFound("Organization \(id) not found.", param: "organization_id")
        }
        return organization
    }
}

/// Paging parameters of the list endpoints.
struct Paging {
    let page: Int
    let size: Int
    var offset: Int { (page - 1) * size }

    init(_ request: Request, sizeName: String = "size", defaultSize: Int = 10) {
        let query = request.uri.queryParameters
        // Bounded: `?page=9223372036854775807` once overflowed the offset and stopped the process.
        page = min(max(1, query.get("page", as: Int.self) ?? 1), InputBounds.page)
        size = min(max(1, query.get(sizeName, as: Int.self) ?? defaultSize), 100)
    }

    func pages(_ total: Int) -> Int { (total + size - 1) / size }
}
