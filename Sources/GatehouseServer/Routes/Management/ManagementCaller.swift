import GatehouseCore

/// The caller of a management endpoint and what is within their reach.
///
/// - `proxy_admin`: everything.
/// - `proxy_admin_viewer`: reads everything, changes nothing.
/// - `internal_user`: their own keys and user; keys of the teams they belong to that are theirs;
///   every key of a team they administer, and that team's members.
/// - `internal_user_viewer`: reads what an internal user may read, changes nothing.
///
/// Whoever is not a proxy admin grants nothing beyond what they hold: a key they create or change
/// gets no model, route, budget, limit or lifetime beyond their own key's.
struct ManagementCaller {
    let principal: Principal
    /// Team id → the caller's role there (loaded for callers other than proxy admins).
    var memberships: [String: TeamMember.Role] = [:]
    /// The caller's own key, whose grants bound what they may grant.
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

    func requireWriter() throws {
        guard !isViewer else { throw GatewayError.managementForbidden("A viewer role may not change anything.") }
    }

    func mayRead(_ key: VirtualKey) -> Bool {
        readsEverything || key.id == principal.id || isSelf(key.userID) || administers(team: key.teamID)
    }

    func mayChange(_ key: VirtualKey) -> Bool {
        isAdmin || (!isViewer && (isSelf(key.userID) || administers(team: key.teamID)))
    }

    func mayRead(_ team: Team) -> Bool { readsEverything || belongs(to: team.id) }

    /// Where a key the caller creates or moves may belong: their own (in a team of theirs, or
    /// none), or any key of a team they administer.
    func checkPlacement(of key: VirtualKey) throws {
        guard !isAdmin else { return }
        try requireWriter()
        if let teamID = key.teamID, administers(team: teamID) { return }
        guard principal.userID != nil, isSelf(key.userID) else {
            throw GatewayError.managementForbidden("You may only manage your own keys and those of teams you administer.")
        }
        if let teamID = key.teamID, !belongs(to: teamID) {
            throw GatewayError.managementForbidden("You are not a member of team \(teamID).")
        }
    }

    /// Refuses a key that would grant more than the caller's own key: wider models (`inherited`
    /// are the model lists above the new key), routes, budget, limits or lifetime, or an unblock
    /// by someone who is not the key's team admin. Only what changes is checked (`old` nil: a new key).
    func checkGrant(_ key: VirtualKey, inherited: [[String]], replacing old: VirtualKey?) throws {
        guard !isAdmin else { return }
        func changed<T: Equatable>(_ path: KeyPath<VirtualKey, T>) -> Bool { old.map { $0[keyPath: path] != key[keyPath: path] } ?? true }

        if changed(\.models) || changed(\.teamID) || changed(\.userID) {
            let bounds = (principal.allowedModels.isEmpty ? [] : [principal.allowedModels]) + principal.inheritedModels
            let lists = (key.models.isEmpty ? [] : [key.models]) + inherited
            for bound in bounds where !lists.contains(where: { list in list.allSatisfy { ModelAccess.allows(bound, model: $0) } }) {
                throw GatewayError.managementForbidden("`models` may not go beyond your own: \(bound.joined(separator: ", ")).")
            }
        }
        if old != nil, changed(\.blocked), !administers(team: key.teamID) {
            throw GatewayError.managementForbidden("Only a proxy admin or the key's team admin may block or unblock it.")
        }
        guard let own = self.key else { return }
        if changed(\.allowedRoutes), !own.allowedRoutes.isEmpty {
            let within =
                !key.allowedRoutes.isEmpty
                && key.allowedRoutes.allSatisfy { own.allowedRoutes.contains($0) || RouteAccess.allows(own.allowedRoutes, path: $0) }
            guard within else { throw GatewayError.managementForbidden("`allowed_routes` may not go beyond your own.") }
        }
        let limits: [(String, Double?, Double?, Bool)] = [
            ("max_budget", key.limits.maxBudget, own.limits.maxBudget, changed(\.limits.maxBudget)),
            ("rpm_limit", key.limits.rpmLimit.map(Double.init), own.limits.rpmLimit.map(Double.init), changed(\.limits.rpmLimit)),
            ("tpm_limit", key.limits.tpmLimit.map(Double.init), own.limits.tpmLimit.map(Double.init), changed(\.limits.tpmLimit)),
            ("rpd_limit", key.limits.rpdLimit.map(Double.init), own.limits.rpdLimit.map(Double.init), changed(\.limits.rpdLimit)),
            ("tpd_limit", key.limits.tpdLimit.map(Double.init), own.limits.tpdLimit.map(Double.init), changed(\.limits.tpdLimit)),
            (
                "max_parallel_requests", key.limits.maxParallelRequests.map(Double.init), own.limits.maxParallelRequests.map(Double.init),
                changed(\.limits.maxParallelRequests)
            ),
        ]
        for (name, value, bound, isChanged) in limits where isChanged {
            guard let bound else { continue }
            guard let value, value <= bound else { throw GatewayError.managementForbidden("`\(name)` may not exceed your own (\(bound)).") }
        }
        if changed(\.expiresAt), let ownExpiry = own.expiresAt {
            guard let expiry = key.expiresAt, expiry <= ownExpiry else {
                throw GatewayError.managementForbidden("The key may not outlive your own.")
            }
        }
    }

    /// Fills what a new key of a bounded caller leaves out with the caller's own bounds.
    func inheritBounds(into key: inout VirtualKey, body: ManagementBody) {
        guard !isAdmin, let own = self.key else { return }
        if body.body["models"] == nil { key.models = own.models }
        if body.body["allowed_routes"] == nil { key.allowedRoutes = own.allowedRoutes }
        if body.body["max_budget"] == nil { key.limits.maxBudget = own.limits.maxBudget }
        if body.body["rpm_limit"] == nil { key.limits.rpmLimit = own.limits.rpmLimit }
        if body.body["tpm_limit"] == nil { key.limits.tpmLimit = own.limits.tpmLimit }
        if body.body["rpd_limit"] == nil { key.limits.rpdLimit = own.limits.rpdLimit }
        if body.body["tpd_limit"] == nil { key.limits.tpdLimit = own.limits.tpdLimit }
        if body.body["max_parallel_requests"] == nil { key.limits.maxParallelRequests = own.limits.maxParallelRequests }
        if body.body["duration"] == nil { key.expiresAt = own.expiresAt }
    }
}
