public import Foundation
public import GatehouseCore
import Synchronization

/// Every virtual key's grant by digest, and what the request path needs of users, teams and
/// organizations, in memory: the hot path's only source for API keys. Loaded at start; changes
/// are applied as they are written (and as other processes report them), so they hold from the
/// very next request.
public final class IdentityCache: Sendable {
    /// A level's account (what its spend is charged to), and the same subject as its limits when
    /// it has any: built once, so that requests assemble their chain without building strings.
    private static func levelSubjects(_ level: LimitLevel, _ id: String, _ limits: Limits) -> (account: LimitSubject, limits: LimitSubject?) {
        let account = LimitSubject(id: level.subject(id), level: level, limits: limits)
        return (account, limits.isEmpty ? nil : account)
    }

    // The levels' grants are immutable objects, replaced whole when a level changes: a request
    // that looks one up takes one reference, not a copy of each of its fields.
    private final class UserGrant: Sendable {
        let role: Principal.Role
        let models: [String]
        let organizationID: String?
        /// `account` when the user has limits (`levelSubjects`).
        let limits: LimitSubject?
        /// The account its spend is charged to: `limits`, or a subject without limits.
        let account: LimitSubject
        let updatedAt: Date

        init(_ user: User) {
            role = user.role
            models = user.models
            organizationID = user.organizationID
            (account, limits) = levelSubjects(.user, user.id, user.limits)
            updatedAt = user.updatedAt
        }
    }

    private final class TeamGrant: Sendable {
        let models: [String]
        let organizationID: String?
        let blocked: Bool
        let limits: LimitSubject?
        let account: LimitSubject
        let updatedAt: Date
        /// Members with limits or models of their own in this team.
        let members: [String: MemberGrant]
        let modelAliases: [String: String]

        init(_ team: Team) {
            models = team.models
            organizationID = team.organizationID
            blocked = team.blocked
            (account, limits) = levelSubjects(.team, team.id, team.limits)
            updatedAt = team.updatedAt
            var members: [String: MemberGrant] = [:]
            for member in team.members where member.boundsJSON != nil {
                members[member.userID] = MemberGrant(
                    limits: LimitSubject(level: .teamMember, id: team.id + "/" + member.userID, limits: member.limits), models: member.models,
                    budgetID: member.budgetID)
            }
            self.members = members
            modelAliases = team.modelAliases
        }
    }

    private struct MemberGrant {
        var limits: LimitSubject?
        var models: [String]
        var budgetID: String?
    }

    private final class OrganizationGrant: Sendable {
        let models: [String]
        let limits: LimitSubject?
        let account: LimitSubject
        let updatedAt: Date

        init(_ organization: Organization) {
            models = organization.models
            (account, limits) = levelSubjects(.organization, organization.id, organization.limits)
            updatedAt = organization.updatedAt
        }
    }

    /// What the request path needs of an OAuth client of Gatehouse's own authorization server.
    public struct ClientGrant: Sendable {
        public var models: [String]
        public var userID: String?
        public var teamID: String?
        public var organizationID: String?
        public var blocked: Bool
        public var limits: Limits
        var updatedAt: Date
    }

    private struct Index {
        /// Every held key by digest and id (keys rotated with a grace period by their replaced
        /// digest too, until then).
        var keys = KeyTable()
        /// Limits of the keys that have any (most have none: no room taken for them).
        var keyLimits: [String: LimitSubject] = [:]
        var users: [String: UserGrant] = [:]
        var teams: [String: TeamGrant] = [:]
        var organizations: [String: OrganizationGrant] = [:]
        var clients: [String: ClientGrant] = [:]
        var certificates: [String: CertificateBinding] = [:]
        var endUsers: [String: EndUser] = [:]
        var budgets: [String: Budget] = [:]
        /// The budget of each key that refers to one.
        var keyBudgets: [String: String] = [:]
        /// When objects were deleted, so that a read from before the deletion cannot bring one back.
        var deleted: [IdentityChange: Date] = [:]
        var revokedTokens: Set<String> = []
        var loaded = false
        /// With a bounded cache: the tick of the last use (the keys keep theirs), and the digests
        /// the store did not hold, with until when they are remembered as unknown.
        var tick: UInt64 = 0
        var unknown: [KeyDigest: Double] = [:]

        /// Whether a record read with this `updatedAt` is older than what the cache already holds
        /// (a poll that read it before a change this instance has applied since). The store keeps
        /// milliseconds, so a re-read of the same state may look a fraction of one older: that is
        /// not stale.
        func isStale(_ ref: IdentityChange, _ updatedAt: Date) -> Bool {
            if let deletedAt = deleted[ref], updatedAt <= deletedAt { return true }
            let current: Date? =
                switch ref {
                case .key(let id): keys.updatedAt(ofID: id)
                case .user(let id): users[id]?.updatedAt
                case .team(let id): teams[id]?.updatedAt
                case .organization(let id): organizations[id]?.updatedAt
                case .oauthClient(let id): clients[id]?.updatedAt
                case .certificate(let id): certificates[id]?.updatedAt
                case .endUser(let id): endUsers[id]?.updatedAt
                case .budget(let id): budgets[id]?.updatedAt
                case .model: nil
                case .revokedToken: nil
                }
            return current.map { updatedAt.timeIntervalSince($0) <= -0.001 } ?? false
        }

        mutating func put(_ key: VirtualKey) {
            // A bounded cache keeps a changed key's place in the order of use.
            let used = keys.lastUse(ofID: key.id)
            remove(keyID: key.id)
            guard let digest = KeyDigest(hex: key.hash) else { return }
            keyLimits[key.id] = LimitSubject(level: .key, id: key.id, limits: key.limits)
            keyBudgets[key.id] = key.budgetID
            let previous = key.previousHash.flatMap(KeyDigest.init(hex:)).flatMap { digest in key.previousValidUntil.map { (digest, $0) } }
            keys.insert(KeyGrant(key), digest: digest, previous: previous, lastUse: used ?? 0)
        }

        mutating func remove(keyID: String) {
            keyLimits[keyID] = nil
            keyBudgets[keyID] = nil
            keys.remove(id: keyID)
        }

        /// Forgets the least recently used keys until at most 90% of `capacity` are held. No sort
        /// (this runs under the cache's lock, which every request takes): each pass forgets the
        /// keys last used in the oldest tenth of the span of use, then the next tenth, until
        /// enough are gone — one pass over the held keys when use is spread evenly.
        mutating func evict(toFit capacity: Int) {
            guard keys.count > capacity, let oldest = keys.oldestUse else { return }
            let keep = capacity * 9 / 10
            let span = max(tick - oldest, 1)
            var tenth: UInt64 = 1
            while keys.count > keep, tenth <= 10 {
                let cutoff = oldest + span * tenth / 10
                for id in keys.ids(usedBefore: cutoff) where keys.count > keep { remove(keyID: id) }
                tenth += 1
            }
        }

        mutating func put(_ user: User) { users[user.id] = UserGrant(user) }
        mutating func put(_ team: Team) { teams[team.id] = TeamGrant(team) }
        mutating func put(_ organization: Organization) { organizations[organization.id] = OrganizationGrant(organization) }
        mutating func put(_ client: OAuthClient) {
            clients[client.id] = ClientGrant(
                models: client.models, userID: client.userID, teamID: client.teamID, organizationID: client.organizationID, blocked: client.blocked,
                limits: client.limits, updatedAt: client.updatedAt)
        }

        func resolve(_ digest: KeyDigest) -> ResolvedKey? {
            keys.slot(of: digest).map { resolve(slot: $0) }
        }

        /// Each level above the key is looked up once, for its role, its chain and its account.
        func resolve(slot: Int32) -> ResolvedKey {
            // The grant is read in place in `resolved`: a copy would retain each of its fields.
            var resolved = ResolvedKey(grant: keys.grant(at: slot))
            let (keyID, userID, teamID, organizationID) = (
                resolved.grant.id, resolved.grant.userID, resolved.grant.teamID, resolved.grant.organizationID
            )
            let user = userID.flatMap { users[$0] }
            let team = teamID.flatMap { teams[$0] }
            let organization = organizationID.flatMap { organizations[$0] }
            if let role = user?.role { resolved.role = role }
            // No lookup by key id on the request path unless some key has a budget.
            let budgetID = keyBudgets.isEmpty ? nil : keyBudgets[keyID]
            let keyLimits = withBudget(keyLimits[keyID], level: .key, id: keyID, budgetID: budgetID)
            let chain = chain(
                from: keyLimits, userID: userID, user: user, teamID: teamID, team: team, organizationID: organizationID, organization: organization)
            (resolved.inheritedModels, resolved.teamBlocked, resolved.modelAliases) = (chain.models, chain.teamBlocked, chain.modelAliases)
            resolved.limitSubjects = chain.limits
            // What its requests are charged to: the key and each level it names, as the level's
            // account (`Metering.accounts(of:)` derives the same for a principal without them).
            resolved.accounts.reserveCapacity(4)
            resolved.accounts.append(keyLimits ?? LimitSubject.account(.key, keyID))
            if let userID { resolved.accounts.append(user?.account ?? LimitSubject.account(.user, userID)) }
            if let teamID { resolved.accounts.append(team?.account ?? LimitSubject.account(.team, teamID)) }
            if let organizationID {
                resolved.accounts.append(organization?.account ?? LimitSubject.account(.organization, organizationID))
            }
            return resolved
        }

        /// A level's limits under its shared budget: the budget's where it sets them (so an
        /// owner cannot lift them through the level's own), the level's own elsewhere; nil when
        /// neither sets any.
        /// - Parameter id: the level's subject id, made only when a budget applies (a team
        ///   member's is joined from two ids: a new string on every request otherwise).
        func withBudget(_ own: LimitSubject?, level: LimitLevel, id: @autoclosure () -> String, budgetID: String?) -> LimitSubject? {
            guard let budgetID, let budget = budgets[budgetID] else { return own }
            return LimitSubject(level: level, id: id(), limits: budget.limits.filled(from: own?.limits ?? Limits()))
        }

        func endUser(_ id: String) -> ResolvedEndUser? {
            guard let endUser = endUsers[id] else { return nil }
            return ResolvedEndUser(
                id: id, blocked: endUser.blocked, models: endUser.models, allowedModelRegion: endUser.allowedModelRegion,
                defaultModel: endUser.defaultModel,
                limits: withBudget(nil, level: .endUser, id: id, budgetID: endUser.budgetID)
                    ?? LimitSubject.account(.endUser, id))
        }

        /// The model lists above a key: its team's (or, for a personal key, its user's), then its
        /// organization's; and whether its team is blocked.
        func chain(userID: String?, teamID: String?, organizationID: String?) -> Chain {
            chain(
                from: nil, userID: userID, user: userID.flatMap { users[$0] }, teamID: teamID, team: teamID.flatMap { teams[$0] },
                organizationID: organizationID, organization: organizationID.flatMap { organizations[$0] })
        }

        /// The chain of levels the caller has looked up (`organization` is the one
        /// `organizationID` names), its limits after `first`'s. Without an organization named, the
        /// team's (or the user's) is followed.
        private func chain(
            from first: LimitSubject?, userID: String?, user: UserGrant?, teamID: String?, team: TeamGrant?, organizationID: String?,
            organization: OrganizationGrant?
        ) -> Chain {
            var chain = Chain()
            // Room for every level at the first: grown append by append, each list was
            // allocated again at its second entry.
            func add(_ limits: LimitSubject) {
                if chain.limits.isEmpty { chain.limits.reserveCapacity(5) }
                chain.limits.append(limits)
            }
            func add(_ models: ModelBound) {
                if chain.models.isEmpty { chain.models.reserveCapacity(3) }
                chain.models.append(models)
            }
            if let first { add(first) }
            if let limits = user?.limits { add(limits) }
            var followed: String?
            if let teamID {
                if let team {
                    chain.teamBlocked = team.blocked
                    chain.modelAliases = team.modelAliases
                    if !team.models.isEmpty { add(ModelBound(.team, team.models)) }
                    // The user's own bounds in this team, checked before the team's.
                    if let userID, let member = team.members[userID] {
                        if !member.models.isEmpty { add(ModelBound(.teamMember, member.models)) }
                        let limits = withBudget(member.limits, level: .teamMember, id: teamID + "/" + userID, budgetID: member.budgetID)
                        if let limits { add(limits) }
                    }
                    if let limits = team.limits { add(limits) }
                    followed = team.organizationID
                }
            } else if let user {
                if !user.models.isEmpty { add(ModelBound(.user, user.models)) }
                followed = user.organizationID
            }
            let organization = organizationID == nil ? followed.flatMap { organizations[$0] } : organization
            if let organization {
                if !organization.models.isEmpty { add(ModelBound(.organization, organization.models)) }
                if let limits = organization.limits { add(limits) }
            }
            return chain
        }
    }

    private let index = Mutex(Index())
    /// Told when models stored in the database may have changed (at every full load, and when
    /// the feed reports a model change): the model registry reloads them.
    private let modelListeners = Mutex<[@Sendable () async -> Void]>([])

    public func onModelsChanged(_ listener: @escaping @Sendable () async -> Void) { modelListeners.withLock { $0.append(listener) } }

    func modelsChanged() async {
        for listener in modelListeners.withLock({ $0 }) { await listener() }
    }

    /// At most this many keys are held, the most recently used (`key_cache_size`); nil: every key.
    public let keyCapacity: Int?

    public init(keyCapacity: Int? = nil) {
        self.keyCapacity = keyCapacity
    }

    /// Replaces the whole cache with the store's contents, keys read page by page so that a large
    /// store is never held twice in memory. With a bounded cache no key is loaded: each comes on
    /// first use.
    public func reload(from store: IdentityStore, pageSize: Int = 5000) async throws {
        var fresh = Index()
        var after: String?
        while keyCapacity == nil {
            let page = try await store.keys.page(after: after, limit: pageSize)
            for key in page { fresh.put(key) }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.id
        }
        for user in try await store.directory.allUsers() { fresh.put(user) }
        for team in try await store.directory.allTeams() { fresh.put(team) }
        for organization in try await store.directory.allOrganizations() { fresh.put(organization) }
        for client in try await store.oauth.allClients() { fresh.put(client) }
        for binding in try await store.certificates.all() { fresh.certificates[binding.id] = binding }
        for endUser in try await store.customers.allEndUsers() { fresh.endUsers[endUser.id] = endUser }
        for budget in try await store.customers.allBudgets() { fresh.budgets[budget.id] = budget }
        fresh.revokedTokens = Set(try await store.oauth.revokedTokens(at: Date()))
        fresh.loaded = true
        index.withLock { $0 = fresh }
        // The pages read and the index replaced leave the allocator holding free memory it would
        // keep for good: give it back.
        FreeMemory.returnToSystem()
        await modelsChanged()
    }

    /// The key with this digest, with what its user, team and organization add to it.
    public func resolve(_ digest: KeyDigest) -> ResolvedKey? {
        guard keyCapacity != nil else { return index.withLock { $0.resolve(digest) } }
        return index.withLock { index in
            guard let slot = index.keys.slot(of: digest) else { return nil }
            index.tick &+= 1
            index.keys.touch(slot: slot, tick: index.tick)
            return index.resolve(slot: slot)
        }
    }

    /// Whether the store was found not to hold this digest a short while ago (bounded cache).
    public func isKnownUnknown(_ digest: KeyDigest, at now: Date) -> Bool {
        index.withLock { index in
            guard let until = index.unknown[digest] else { return false }
            if until > now.timeIntervalSince1970 { return true }
            index.unknown[digest] = nil
            return false
        }
    }

    /// Remembers that the store does not hold this digest, until `until`. Bounded like the keys:
    /// past the capacity, the entries that have run out go, then all.
    public func rememberUnknown(_ digest: KeyDigest, until: Date) {
        let capacity = max(keyCapacity ?? 0, 1000)
        index.withLock { index in
            if index.unknown.count >= capacity {
                let now = Date().timeIntervalSince1970
                index.unknown = index.unknown.filter { $0.value > now }
                if index.unknown.count >= capacity { index.unknown.removeAll(keepingCapacity: true) }
            }
            index.unknown[digest] = until.timeIntervalSince1970
        }
    }

    /// A key read from the store on first use (bounded cache): held from now on, the least
    /// recently used forgotten past the capacity. A key deleted since it was read stays out.
    public func admit(_ key: VirtualKey) {
        index.withLock { index in
            guard !index.isStale(.key(key.id), key.updatedAt) else { return }
            index.put(key)
            index.tick &+= 1
            if let slot = index.keys.slot(ofID: key.id) { index.keys.touch(slot: slot, tick: index.tick) }
            if let keyCapacity { index.evict(toFit: keyCapacity) }
        }
    }

    /// The key with this id (for a token whose claim names a key).
    public func resolve(keyID: String) -> ResolvedKey? {
        index.withLock { index in index.keys.slot(ofID: keyID).map { index.resolve(slot: $0) } }
    }

    /// The model lists that bound a credential of this user, team and organization, and whether
    /// the team is blocked.
    public func chain(userID: String?, teamID: String?, organizationID: String?) -> Chain {
        index.withLock { $0.chain(userID: userID, teamID: teamID, organizationID: organizationID) }
    }

    // Each put ignores a record older than the one held: changes reach the cache from this
    // instance's routes and from the feed, and a feed read can predate a route's write.
    /// A key written or reported changed. A bounded cache updates it only if it holds it (else
    /// the next use reads it), and forgets that its digests were unknown.
    public func put(_ key: VirtualKey) {
        index.withLock { index in
            if keyCapacity != nil {
                for digest in [key.hash, key.previousHash].compactMap({ $0.flatMap(KeyDigest.init(hex:)) }) { index.unknown[digest] = nil }
                guard index.keys.slot(ofID: key.id) != nil else { return }
            }
            if !index.isStale(.key(key.id), key.updatedAt) { index.put(key) }
        }
    }
    public func put(_ user: User) { index.withLock { if !$0.isStale(.user(user.id), user.updatedAt) { $0.put(user) } } }
    public func put(_ team: Team) { index.withLock { if !$0.isStale(.team(team.id), team.updatedAt) { $0.put(team) } } }
    public func put(_ organization: Organization) {
        index.withLock { if !$0.isStale(.organization(organization.id), organization.updatedAt) { $0.put(organization) } }
    }
    public func put(_ client: OAuthClient) { index.withLock { if !$0.isStale(.oauthClient(client.id), client.updatedAt) { $0.put(client) } } }

    public func client(_ id: String) -> ClientGrant? { index.withLock { $0.clients[id] } }

    public func put(_ endUser: EndUser) {
        var endUser = endUser
        endUser.metadata = [:]
        index.withLock { if !$0.isStale(.endUser(endUser.id), endUser.updatedAt) { $0.endUsers[endUser.id] = endUser } }
    }
    public func put(_ budget: Budget) { index.withLock { if !$0.isStale(.budget(budget.id), budget.updatedAt) { $0.budgets[budget.id] = budget } } }

    /// The registered end user a request's `user` names, with its budget's limits.
    public func endUser(_ id: String) -> ResolvedEndUser? { index.withLock { $0.endUser(id) } }

    /// A shared budget's limits, for showing what a referrer is held to.
    public func budgetLimits(_ id: String) -> Limits? { index.withLock { $0.budgets[id]?.limits } }

    public func put(_ binding: CertificateBinding) {
        index.withLock { if !$0.isStale(.certificate(binding.id), binding.updatedAt) { $0.certificates[binding.id] = binding } }
    }

    /// What a client certificate identity is bound to.
    public func certificateBinding(_ identity: String) -> CertificateBinding? { index.withLock { $0.certificates[identity] } }

    /// The role of a user the directory knows.
    public func role(ofUser id: String) -> Principal.Role? { index.withLock { $0.users[id]?.role } }

    /// Marks an access token (by `jti`) revoked.
    public func revoke(tokenID: String) { _ = index.withLock { $0.revokedTokens.insert(tokenID) } }

    public func isRevoked(tokenID: String) -> Bool { index.withLock { $0.revokedTokens.contains(tokenID) } }

    public func remove(_ change: IdentityChange) {
        index.withLock { index in
            index.deleted[change] = Date()
            switch change {
            case .key(let id): index.remove(keyID: id)
            case .user(let id): index.users[id] = nil
            case .team(let id): index.teams[id] = nil
            case .organization(let id): index.organizations[id] = nil
            case .oauthClient(let id): index.clients[id] = nil
            case .certificate(let id): index.certificates[id] = nil
            case .endUser(let id): index.endUsers[id] = nil
            case .budget(let id): index.budgets[id] = nil
            case .model: break
            case .revokedToken: break
            }
        }
    }

    /// How many keys are held (grace-period digests not counted).
    public var count: Int { index.withLock { $0.keys.count } }

    /// Whether the first full load has happened.
    public var isLoaded: Bool { index.withLock { $0.loaded } }
}

/// What the levels above a credential add: their model lists (each must admit a model), whether
/// the team is blocked, and the limits of each level that has any.
public struct Chain: Sendable {
    public var models: [ModelBound] = []
    public var teamBlocked = false
    /// The team's `model_aliases`.
    public var modelAliases: [String: String] = [:]
    public var limits: [LimitSubject] = []
}

/// A registered end user as the request path sees it.
public struct ResolvedEndUser: Sendable {
    public var id: String
    public var blocked: Bool
    public var models: [String]
    public var allowedModelRegion: String?
    public var defaultModel: String?
    /// Its budget's limits, counted and charged as `end_user:<id>` (its spend adds up across
    /// every credential that names it).
    public var limits: LimitSubject
}

/// A key as the request path sees it: its grant, its user's role, and the model lists of the
/// levels above it (each must admit a model for the key to use it).
public struct ResolvedKey: Sendable {
    public var grant: KeyGrant
    public var role: Principal.Role = .internalUser
    public var inheritedModels: [ModelBound] = []
    public var teamBlocked = false
    /// Its team's `model_aliases`.
    public var modelAliases: [String: String] = [:]
    /// The key's limits (when it has any), then its user's, team's and organization's.
    public var limitSubjects: [LimitSubject] = []
    /// The accounts its spend is charged to: the key, its user, team and organization.
    public var accounts: [LimitSubject] = []

    init(grant: KeyGrant) {
        self.grant = grant
    }
}
