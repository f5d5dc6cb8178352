import Foundation
import GatehouseCore
import GatehouseProviders

/// The caller of a management endpoint and what is within their reach.
///
/// - `proxy_admin`: everything.
/// - `proxy_admin_viewer`: reads everything, changes nothing.
/// - `internal_user`: their own keys and user; keys of the teams they belong to that are theirs;
///   the keys of a team they administer that belong to its plain members (not to its other
///   admins, nor to anyone whose role is above `internal_user`), and that team's members.
/// - `internal_user_viewer`: reads what an internal user may read, changes nothing.
///
/// Two rules hold for every read and change of a key (docs/security.md, "reach"):
/// - **Dominance**: the caller must outrank the key's owner. A credential weaker than its account
///   (a JWT or OAuth token acting as `internal_user` for a proxy admin's user id) does not reach
///   the account's keys, so it can never obtain the account's role by regenerating one.
/// - **Bounds**: whoever is not a proxy admin grants nothing beyond what they hold across their
///   whole chain (credential, key, user, team, organization), over every field `LimitBounds`
///   declares plus models, routes and lifetime — whatever way they proved who they are.
struct ManagementCaller {
    let principal: Principal
    /// Team id → the caller's role there (loaded for callers other than proxy admins).
    var memberships: [String: TeamMember.Role] = [:]
    /// The key the caller acts as (an API key, a certificate or token bound to one), whose
    /// lifetime bounds the keys they create.
    var key: VirtualKey?

    init(principal: Principal) {
        self.principal = principal
    }

    var isAdmin: Bool { principal.role == .proxyAdmin }
    var readsEverything: Bool { isAdmin || principal.role == .proxyAdminViewer }
    var isViewer: Bool { principal.role == .proxyAdminViewer || principal.role == .internalUserViewer }

    func administers(team: String?) -> Bool { team.map { memberships[$0] == .admin } ?? false }
    func belongs(to team: String) -> Bool { memberships[team] != nil }
    func isSelf(_ userID: String?) -> Bool { userID != nil && userID == principal.userID }

    func requireAdmin(_ action: String) throws {
        guard isAdmin else { throw GatewayError.managementForbidden("Only a proxy admin may \(action).") }
    }

    /// For what only those who read everything may see (proxy admins and viewers).
    func requireReader(_ action: String) throws {
        guard readsEverything else { throw GatewayError.managementForbidden("Only a proxy admin or viewer may \(action).") }
    }

    func requireWriter() throws {
        guard !isViewer else { throw GatewayError.managementForbidden("A viewer role may not change anything.") }
    }

    /// Roles that outrank nobody: what a team admin may act for.
    static let plainRoles: Set<Principal.Role> = [.internalUser, .internalUserViewer]

    /// Whether the caller's credential is as strong as the account it speaks for: a key acts
    /// with its owner's role, so reaching the account's keys is reaching that role.
    func speaksFullyFor(accountRole: Principal.Role?) -> Bool {
        guard let accountRole else { return true }
        return accountRole == principal.role || Self.plainRoles.contains(accountRole)
    }

    /// Whether the caller outranks whoever owns a key (or will own it): a proxy admin always;
    /// the owner themselves with a credential as strong as their account; a team admin for a
    /// team key without an owner, or one owned by a plain member of the team who is not one of
    /// its admins.
    func dominates(_ owner: KeyOwner, team: String?) -> Bool {
        if isAdmin { return true }
        guard let userID = owner.userID else { return administers(team: team) }
        if isSelf(userID) { return speaksFullyFor(accountRole: owner.role) }
        guard administers(team: team), owner.teamRole == .user, let role = owner.role else { return false }
        return Self.plainRoles.contains(role)
    }

    func mayRead(_ key: VirtualKey, owner: KeyOwner) -> Bool {
        readsEverything || key.id == principal.keyID || dominates(owner, team: key.teamID)
    }

    func mayChange(_ key: VirtualKey, owner: KeyOwner) -> Bool {
        isAdmin || (!isViewer && dominates(owner, team: key.teamID))
    }

    /// A team's members read it, and so does a key of the team (one without a user has no
    /// membership to show).
    func mayRead(_ team: Team) -> Bool { readsEverything || belongs(to: team.id) || principal.teamID == team.id }

    /// Where a key the caller creates or moves may belong: their own (in a team of theirs, or
    /// none), or a key of a team they administer for someone they outrank.
    func checkPlacement(of key: VirtualKey, owner: KeyOwner) throws {
        guard !isAdmin else { return }
        try requireWriter()
        if isSelf(key.userID) {
            guard speaksFullyFor(accountRole: owner.role) else {
                throw GatewayError.managementForbidden("Your account's role is above what this credential grants.")
            }
            if let teamID = key.teamID, !belongs(to: teamID) {
                throw GatewayError.managementForbidden("You are not a member of team \(teamID).")
            }
            return
        }
        guard administers(team: key.teamID) else {
            throw GatewayError.managementForbidden("You may only manage your own keys and those of teams you administer.")
        }
        guard dominates(owner, team: key.teamID) else {
            throw GatewayError.managementForbidden("A team admin may issue keys only to the team's members who are not admins.")
        }
    }

    /// The caller's limits at every level of their chain, each of which a grant must stay within.
    var bounds: [Limits] { principal.limitSubjects.filter { !$0.isPerModel }.map(\.limits) }

    /// Refuses a key that would grant more than the caller holds: wider models (`inherited` are
    /// the model lists above the new key; `router` knows the access groups),
    /// routes, any field of `LimitBounds`, or lifetime; or an unblock by someone who is not the
    /// key's team admin. Only what changes is checked (`old` nil: a new key).
    func checkGrant(_ key: VirtualKey, inherited: [[String]], replacing old: VirtualKey?, router: ModelRouter) throws {
        guard !isAdmin else { return }
        func changed<T: Equatable>(_ path: KeyPath<VirtualKey, T>) -> Bool { old.map { $0[keyPath: path] != key[keyPath: path] } ?? true }

        if changed(\.models) || changed(\.teamID) || changed(\.userID) {
            let bounds = (principal.allowedModels.isEmpty ? [] : [principal.allowedModels]) + principal.inheritedModels.map(\.models)
            // An access group is compared by the models it reaches, never by its name (a group
            // called `gpt-team` may hold other models than `gpt-*`).
            let lists = (key.models.isEmpty ? [] : [key.models]) + inherited
            for bound in bounds where !lists.contains(where: { list in Self.reaches(list, within: bound, router: router) }) {
                throw GatewayError.managementForbidden("`models` may not go beyond your own: \(bound.joined(separator: ", ")).")
            }
        }
        if old != nil, changed(\.blocked), !administers(team: key.teamID) {
            throw GatewayError.managementForbidden("Only a proxy admin or the key's team admin may block or unblock it.")
        }
        if changed(\.allowedRoutes), !principal.allowedRoutes.isEmpty {
            let own = principal.allowedRoutes
            let within = !key.allowedRoutes.isEmpty && key.allowedRoutes.allSatisfy { own.contains($0) || RouteAccess.allows(own, path: $0) }
            guard within else { throw GatewayError.managementForbidden("`allowed_routes` may not go beyond your own.") }
        }
        if let field = LimitBounds.violations(of: key.limits, within: bounds, changedFrom: old?.limits).first {
            throw GatewayError.managementForbidden("`\(field)` may not go beyond your own.", param: field)
        }
        if changed(\.expiresAt), let ownExpiry = self.key?.expiresAt {
            guard let expiry = key.expiresAt, expiry <= ownExpiry else {
                throw GatewayError.managementForbidden("The key may not outlive your own.")
            }
        }
    }

    /// Whether every model `list` admits is admitted by `bound`: its names, wildcards (only by a
    /// wildcard of the bound at least as wide) and the models of its access groups.
    static func reaches(_ list: [String], within bound: [String], router: ModelRouter) -> Bool {
        guard !bound.isEmpty else { return true }
        guard !list.isEmpty else { return false }
        func allowed(_ model: String) -> Bool { ModelAccess.allows(bound, model: model, accessGroups: router.accessGroups(of: model)) }
        return list.allSatisfy { entry in
            // "No models" reaches nothing: within any bound.
            if entry == ModelAccess.none { return true }
            let models = router.models(inAccessGroup: entry)
            return models.isEmpty ? allowed(entry) : models.allSatisfy(allowed)
        }
    }

    /// Fills what a new key of a bounded caller leaves out with the tightest of the caller's own
    /// bounds, so that a limited caller cannot shed a limit by not naming it.
    func inheritBounds(into key: inout VirtualKey, body: ManagementBody) {
        guard !isAdmin else { return }
        if body.body["models"] == nil, !principal.allowedModels.isEmpty { key.models = principal.allowedModels }
        if body.body["allowed_routes"] == nil { key.allowedRoutes = principal.allowedRoutes }
        LimitBounds.inherit(into: &key.limits, from: bounds) { body.body[$0] != nil }
        if body.body["duration"] == nil, let own = self.key { key.expiresAt = own.expiresAt }
    }
}

/// Who owns a key, as far as reach is concerned: the user, their role and their place in the
/// key's team.
struct KeyOwner {
    var userID: String?
    /// Nil: no such user (yet).
    var role: Principal.Role?
    var teamRole: TeamMember.Role?
}
