public import Foundation
public import GatehouseCore
import Synchronization

/// Every virtual key's grant by digest, and what the request path needs of users, teams and
/// organizations, in memory: the hot path's only source for API keys. Loaded at start; changes
/// are applied as they are written (and as other processes report them), so they hold from the
/// very next request.
public final class IdentityCache: Sendable {
    private struct UserGrant {
        var role: Principal.Role
        var models: [String]
        var organizationID: String?
    }

    private struct TeamGrant {
        var models: [String]
        var organizationID: String?
        var blocked: Bool
    }

    private struct Index {
        var byDigest: [KeyDigest: KeyGrant] = [:]
        var digestByID: [String: KeyDigest] = [:]
        /// Keys rotated with a grace period: the replaced key's digest, still accepted until then.
        var previousDigestByID: [String: KeyDigest] = [:]
        var users: [String: UserGrant] = [:]
        var teams: [String: TeamGrant] = [:]
        var organizationModels: [String: [String]] = [:]
        var loaded = false

        mutating func put(_ key: VirtualKey) {
            remove(keyID: key.id)
            guard let digest = KeyDigest(hex: key.hash) else { return }
            byDigest[digest] = KeyGrant(key)
            digestByID[key.id] = digest
            if let previous = key.previousHash.flatMap(KeyDigest.init(hex:)), let until = key.previousValidUntil {
                var grant = KeyGrant(key)
                grant.expiresAt = min(until, key.expiresAt ?? until)
                byDigest[previous] = grant
                previousDigestByID[key.id] = previous
            }
        }

        mutating func remove(keyID: String) {
            if let digest = digestByID.removeValue(forKey: keyID) { byDigest[digest] = nil }
            if let digest = previousDigestByID.removeValue(forKey: keyID) { byDigest[digest] = nil }
        }

        mutating func put(_ user: User) { users[user.id] = UserGrant(role: user.role, models: user.models, organizationID: user.organizationID) }
        mutating func put(_ team: Team) {
            teams[team.id] = TeamGrant(models: team.models, organizationID: team.organizationID, blocked: team.blocked)
        }
        mutating func put(_ organization: Organization) { organizationModels[organization.id] = organization.models }

        func resolve(_ digest: KeyDigest) -> ResolvedKey? {
            guard let grant = byDigest[digest] else { return nil }
            var resolved = ResolvedKey(grant: grant)
            if let role = grant.userID.flatMap({ users[$0] })?.role { resolved.role = role }
            (resolved.inheritedModels, resolved.teamBlocked) = chain(userID: grant.userID, teamID: grant.teamID, organizationID: grant.organizationID)
            return resolved
        }

        /// The model lists above a key: its team's (or, for a personal key, its user's), then its
        /// organization's; and whether its team is blocked.
        func chain(userID: String?, teamID: String?, organizationID: String?) -> (models: [[String]], teamBlocked: Bool) {
            var models: [[String]] = []
            var teamBlocked = false
            var organizationID = organizationID
            if let teamID {
                if let team = teams[teamID] {
                    teamBlocked = team.blocked
                    if !team.models.isEmpty { models.append(team.models) }
                    organizationID = organizationID ?? team.organizationID
                }
            } else if let user = userID.flatMap({ users[$0] }) {
                if !user.models.isEmpty { models.append(user.models) }
                organizationID = organizationID ?? user.organizationID
            }
            if let organizationID, let organizationModels = organizationModels[organizationID], !organizationModels.isEmpty {
                models.append(organizationModels)
            }
            return (models, teamBlocked)
        }
    }

    private let index = Mutex(Index())

    public init() {}

    /// Replaces the whole cache with the store's contents, keys read page by page so that a large
    /// store is never held twice in memory.
    public func reload(from store: IdentityStore, pageSize: Int = 5000) async throws {
        var fresh = Index()
        var after: String?
        while true {
            let page = try await store.keys.page(after: after, limit: pageSize)
            for key in page { fresh.put(key) }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.id
        }
        for user in try await store.directory.allUsers() { fresh.put(user) }
        for team in try await store.directory.allTeams() { fresh.put(team) }
        for organization in try await store.directory.allOrganizations() { fresh.put(organization) }
        fresh.loaded = true
        index.withLock { $0 = fresh }
    }

    /// The key with this digest, with what its user, team and organization add to it.
    public func resolve(_ digest: KeyDigest) -> ResolvedKey? {
        index.withLock { $0.resolve(digest) }
    }

    /// The model lists that bound a credential of this user, team and organization, and whether
    /// the team is blocked.
    public func chain(userID: String?, teamID: String?, organizationID: String?) -> (models: [[String]], teamBlocked: Bool) {
        index.withLock { $0.chain(userID: userID, teamID: teamID, organizationID: organizationID) }
    }

    public func put(_ key: VirtualKey) { index.withLock { $0.put(key) } }
    public func put(_ user: User) { index.withLock { $0.put(user) } }
    public func put(_ team: Team) { index.withLock { $0.put(team) } }
    public func put(_ organization: Organization) { index.withLock { $0.put(organization) } }

    public func remove(_ change: IdentityChange) {
        index.withLock { index in
            switch change {
            case .key(let id): index.remove(keyID: id)
            case .user(let id): index.users[id] = nil
            case .team(let id): index.teams[id] = nil
            case .organization(let id): index.organizationModels[id] = nil
            }
        }
    }

    public var count: Int { index.withLock { $0.byDigest.count } }

    /// Whether the first full load has happened.
    public var isLoaded: Bool { index.withLock { $0.loaded } }
}

/// A key as the request path sees it: its grant, its user's role, and the model lists of the
/// levels above it (each must admit a model for the key to use it).
public struct ResolvedKey: Sendable {
    public var grant: KeyGrant
    public var role: Principal.Role = .internalUser
    public var inheritedModels: [[String]] = []
    public var teamBlocked = false

    init(grant: KeyGrant) {
        self.grant = grant
    }
}
