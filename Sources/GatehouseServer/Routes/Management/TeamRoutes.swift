import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
public import Hummingbird

/// LiteLLM's team management API: `/team/new`, `/team/info`, `/team/update`, `/team/list`,
/// `/team/delete`, `/team/member_add`, `/team/member_delete`, `/team/block`, `/team/unblock`.
/// Proxy admins do everything; a team's admins manage its members and may rename it, but cannot
/// widen its models, budget or limits.
public struct TeamRoutes: Sendable {
    let management: Management
    /// What a team admin (not a proxy admin) may change through `/team/update`.
    static let teamAdminFields: Set<String> = ["team_id", "team_alias", "metadata"]

    init(management: Management) {
        self.management = management
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/team/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.get("/team/info") { request, context in try await self.info(request, context) }
        router.changing("/team/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
        router.get("/team/list") { request, context in try await self.list(request, context) }
        router.get("/v2/team/list") { request, context in try await self.pagedList(request, context) }
        // Teams a user may join by themselves: Gatehouse has no self-service joining.
        router.get("/team/available") { _, _ in Response.json([]) }
        router.changing("/team/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
        router.changing("/team/member_add", .post, trail: management.trail) { call, _ in try await self.addMembers(call) }
        router.changing("/team/member_delete", .post, trail: management.trail) { call, _ in try await self.deleteMember(call) }
        router.changing("/team/member_update", .post, trail: management.trail) { call, _ in try await self.updateMember(call) }
        router.changing("/team/model/add", .post, trail: management.trail) { call, _ in try await self.changeModels(adding: true, call) }
        router.changing("/team/model/delete", .post, trail: management.trail) { call, _ in try await self.changeModels(adding: false, call) }
        router.changing("/team/block", .post, trail: management.trail) { call, _ in try await self.setBlocked(true, call) }
        router.changing("/team/unblock", .post, trail: management.trail) { call, _ in try await self.setBlocked(false, call) }
    }

    /// Creates a team with its members; the proxy admin creating it, when they have a user id
    /// (not the master key), joins as an admin unless they are listed already or the operator
    /// turned that off (`disable_auto_add_proxy_admin_to_teams`), as in LiteLLM.
    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("create teams")
        let body = call.body
        let now = Date()
        var team = Team(id: try body.string("team_id").value ?? DirectoryID.new("team"), createdAt: now)
        try body.apply(to: &team)
        if try await management.directory.team(id: team.id) != nil {
            throw GatewayError.badRequest("Team \(team.id) already exists.", param: "team_id")
        }
        if let organizationID = team.organizationID { _ = try await management.organization(organizationID) }
        var created: [User] = []
        for member in try body.members("members_with_roles") ?? [] {
            let user: User
            if let existing = try await existingUser(member) {
                user = existing
            } else {
                user = try await newUser(member, now: now)
                created.append(user)
            }
            team.members.append(TeamMember(userID: user.id, role: member.role))
        }
        if management.addTeamCreatorAsAdmin, let creator = call.principal.userID, team.role(of: creator) == nil,
            try await management.directory.user(id: creator) != nil
        {
            team.members.append(TeamMember(userID: creator, role: .admin))
        }
        try await management.directory.insert(team)
        var changes = [try await management.changed(team)]
        for user in created { changes.append(try await management.changed(user)) }
        return Changed(try await management.json(team), changes)
    }

    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        guard let id = request.uri.queryParameters.get("team_id") ?? caller.principal.teamID else {
            throw GatewayError.badRequest("`team_id` is required.", param: "team_id")
        }
        let team = try await management.spend.overlay(try await management.team(id))
        guard caller.mayRead(team) else { throw GatewayError.managementForbidden("This team is outside your reach.") }
        var readable: [VirtualKey] = []
        for key in try await management.keys.list(teamID: id, limit: nil) {
            if caller.mayRead(key, owner: try await management.owner(userID: key.userID, team: id)) { readable.append(key) }
        }
        let keys = try await management.withSpend(readable)
        return Response.json(["team_id": .string(id), "team_info": try await management.json(team), "keys": .array(keys.map(ManagementJSON.key))])
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        var team = try await management.team(try body.required("team_id"))
        let old = team
        if !caller.isAdmin {
            try caller.requireWriter()
            guard caller.administers(team: team.id) else { throw GatewayError.managementForbidden("You do not administer this team.") }
            if let field = body.body.objectValue?.keys.sorted().first(where: { !Self.teamAdminFields.contains($0) }) {
                throw GatewayError.managementForbidden("Only a proxy admin may change `\(field)` of a team.")
            }
        }
        try body.apply(to: &team)
        if let organizationID = team.organizationID { _ = try await management.organization(organizationID) }
        team.updatedAt = Date()
        try await management.directory.update(team)
        return Changed(["team_id": .string(team.id), "data": try await management.json(team)], try await management.changed(team, was: old))
    }

    /// Every team for admins and viewers; for everyone else, the teams they belong to.
    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        let organizationID = request.uri.queryParameters.get("organization_id")
        var teams =
            caller.readsEverything
            ? try await management.directory.teams(organizationID: organizationID)
            : try await management.directory.teams(ids: caller.memberships.keys.sorted())
        if let organizationID { teams = teams.filter { $0.organizationID == organizationID } }
        return Response.json(.array(try await management.json(try await management.spend.overlay(teams))))
    }

    /// `/v2/team/list`: LiteLLM's paged form, filtered by `user_id` (teams they belong to),
    /// `organization_id`, `team_id` and `team_alias` (a part of it, any case), sorted by
    /// `sort_by` (`team_id`, `team_alias`, `created_at`, `spend`) in `sort_order`.
    func pagedList(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        let query = request.uri.queryParameters
        let paging = Paging(request, sizeName: "page_size")
        var teams =
            caller.readsEverything
            ? try await management.directory.teams(organizationID: query.get("organization_id"))
            : try await management.directory.teams(ids: caller.memberships.keys.sorted())
        if let user = query.get("user_id") { teams = teams.filter { $0.role(of: user) != nil } }
        if let organization = query.get("organization_id") { teams = teams.filter { $0.organizationID == organization } }
        if let id = query.get("team_id") { teams = teams.filter { $0.id == id } }
        if let alias = query.get("team_alias")?.lowercased() { teams = teams.filter { $0.alias?.lowercased().contains(alias) == true } }
        teams = try await management.spend.overlay(teams)
        let ascending = query.get("sort_order") != "desc"
        let order: (Team, Team) -> Bool =
            switch query.get("sort_by") {
            case "team_alias": { ($0.alias ?? "", $0.id) < ($1.alias ?? "", $1.id) }
            case "spend": { ($0.spend, $0.id) < ($1.spend, $1.id) }
            case "team_id": { $0.id < $1.id }
            default: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            }
        teams.sort { ascending ? order($0, $1) : order($1, $0) }
        let page = Array(teams.dropFirst(paging.offset).prefix(paging.size))
        return Response.json([
            "teams": .array(try await management.json(page)), "total": JSONValue(teams.count), "page": JSONValue(paging.page),
            "page_size": JSONValue(paging.size), "total_pages": JSONValue(paging.pages(teams.count)),
        ])
    }

    /// Deletes the teams, their keys and their memberships.
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete teams")
        let ids = try call.body.requiredList("team_ids")
        for id in ids { _ = try await management.team(id) }
        var keys: [RecordChange] = []
        for id in ids { keys += try await management.deleteKeys(try await management.keys.list(teamID: id, limit: nil)) }
        _ = try await management.directory.deleteTeams(ids: ids)
        return Changed(["deleted_teams": ManagementJSON.strings(ids)], try await management.removed(ids.map { .team($0) }) + keys)
    }

    /// Adds members (creating users named by an unknown id or email, as LiteLLM does) or changes
    /// the role of existing ones. A team admin who is not a proxy admin may create new users into
    /// the team and change its plain members' roles, but not enrol an existing user (keys the
    /// team admin mints for a member are charged to that member: joining a team is the member's
    /// or a proxy admin's decision, not a team admin's), nor change another team admin.
    func addMembers(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        var team = try await administered(try body.required("team_id"), caller)
        let old = team
        guard let members = try body.members("member"), !members.isEmpty else {
            throw GatewayError.badRequest("`member` must name at least one user.", param: "member")
        }
        var updated: [User] = []
        var created: [RecordChange] = []
        for member in members {
            let user: User
            if let existing = try await existingUser(member) {
                if !caller.isAdmin { try checkTeamAdminReach(over: existing.id, in: team, caller: caller) }
                user = existing
            } else {
                user = try await newUser(member, now: Date())
                created.append(try await management.changed(user))
            }
            // A member already there keeps their own limits; only the role changes.
            var entry = team.members.first { $0.userID == user.id } ?? TeamMember(userID: user.id, role: member.role)
            entry.role = member.role
            try await management.directory.setMember(entry, of: team.id)
            updated.append(user)
        }
        team = try await management.team(team.id)
        var answer = try await management.json(team)
        answer["updated_users"] = .array(updated.map { ManagementJSON.user($0) })
        // Membership is the team's: its before and after (the members and admins that changed).
        return Changed(answer, [RecordChange(team, was: old)] + created)
    }

    func deleteMember(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        let team = try await administered(try body.required("team_id"), caller)
        let userID = try await member(of: team, named: body).userID
        if !caller.isAdmin { try checkTeamAdminReach(over: userID, in: team, caller: caller) }
        try await management.directory.removeMember(userID: userID, from: team.id)
        let changed = try await management.team(team.id)
        return Changed(try await management.json(changed), RecordChange(changed, was: team))
    }

    /// `/team/member_update`: a member's role and their own limits in the team. A team admin may
    /// change them for the team's plain members; their own limits and another admin's are a proxy
    /// admin's to set (a limit the holder could lift would be no limit).
    func updateMember(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        let team = try await administered(try body.required("team_id"), caller)
        var member = try await member(of: team, named: body)
        let userID = member.userID
        if !caller.isAdmin {
            try checkTeamAdminReach(over: userID, in: team, caller: caller)
            if body.changesMemberBounds, caller.isSelf(userID) {
                throw GatewayError.managementForbidden("Only a proxy admin may change a team admin's own limits.", param: "user_id")
            }
        }
        let oldBudget = member.budgetID
        try body.apply(to: &member)
        // A budget binds the member; whoever could detach one could lift its limits.
        if member.budgetID != oldBudget {
            try caller.requireAdmin("set a member's `budget_id`")
            if let id = member.budgetID { _ = try await BudgetRoutes(management: management).budget(id) }
        }
        try await management.directory.setMember(member, of: team.id)
        let changed = try await management.team(team.id)
        var answer = try await management.json(changed)
        answer["updated_member"] = ManagementJSON.member(member)
        return Changed(answer, try await management.changed(changed, was: team))
    }

    /// The member a body's `user_id` (or `user_email`) names.
    func member(of team: Team, named body: ManagementBody) async throws -> TeamMember {
        let userID: String
        if let id = try body.string("user_id").value {
            userID = id
        } else if let email = try body.string("user_email").value, let user = try await management.directory.user(email: email) {
            userID = user.id
        } else {
            throw GatewayError.badRequest("`user_id` or `user_email` of a member is required.", param: "user_id")
        }
        guard let member = team.members.first(where: { $0.userID == userID }) else {
            throw GatewayError.managementNotFound("User \(userID) is not a member of team \(team.id).", param: "user_id")
        }
        return member
    }

    /// `/team/model/add` and `/team/model/delete`: models added to or removed from the team's
    /// list. Adding widens what the team's keys reach, so it is a proxy admin's (LiteLLM lets team
    /// admins); a team admin may remove. Removing the last model is refused: an empty list would
    /// let the team use every model.
    func changeModels(adding: Bool, _ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        var team = try await management.team(try body.required("team_id"))
        let old = team
        let models = try body.requiredList("models")
        if adding {
            try caller.requireAdmin("add models to a team")
            for model in models where !team.models.contains(model) { team.models.append(model) }
        } else {
            guard caller.isAdmin || (!caller.isViewer && caller.administers(team: team.id)) else {
                throw GatewayError.managementForbidden("Only a proxy admin or an admin of this team may remove its models.")
            }
            guard !team.models.isEmpty else {
                throw GatewayError.badRequest("This team may use every model: set the models it may use with /team/update.", param: "models")
            }
            team.models.removeAll { models.contains($0) }
            guard !team.models.isEmpty else {
                throw GatewayError.badRequest("Removing every model would let the team use every model.", param: "models")
            }
        }
        team.updatedAt = Date()
        try await management.directory.update(team)
        return Changed(["team_id": .string(team.id), "data": try await management.json(team)], try await management.changed(team, was: old))
    }

    /// What a team admin may do to an existing user's membership: nothing to a user outside the
    /// team, nothing to another of the team's admins; themselves and plain members are theirs.
    func checkTeamAdminReach(over userID: String, in team: Team, caller: ManagementCaller) throws {
        guard !caller.isSelf(userID) else { return }
        guard let role = team.role(of: userID) else {
            throw GatewayError.managementForbidden("Only a proxy admin may add an existing user to a team.", param: "member")
        }
        guard role == .user else {
            throw GatewayError.managementForbidden("Only a proxy admin may change another admin of the team.", param: "member")
        }
    }

    func setBlocked(_ blocked: Bool, _ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin(blocked ? "block teams" : "unblock teams")
        var team = try await management.team(try call.body.required("team_id"))
        let old = team
        team.blocked = blocked
        team.updatedAt = Date()
        try await management.directory.update(team)
        return Changed(try await management.json(team), try await management.changed(team, was: old))
    }

    /// A team the caller may manage members of: any for a proxy admin, else one they administer.
    func administered(_ id: String, _ caller: ManagementCaller) async throws -> Team {
        let team = try await management.team(id)
        guard caller.isAdmin || (!caller.isViewer && caller.administers(team: id)) else {
            throw GatewayError.managementForbidden("Only a proxy admin or an admin of this team may change its members.")
        }
        return team
    }

    /// The user a member entry names, if there is one.
    func existingUser(_ member: (userID: String?, email: String?, role: TeamMember.Role)) async throws -> User? {
        if let id = member.userID { return try await management.directory.user(id: id) }
        if let email = member.email { return try await management.directory.user(email: email) }
        return nil
    }

    /// A new `internal_user` for a member entry naming nobody yet; its id and email must not be
    /// another user's sign-in name.
    func newUser(_ member: (userID: String?, email: String?, role: TeamMember.Role), now: Date) async throws -> User {
        var user = User(id: member.userID ?? DirectoryID.new("user"), createdAt: now)
        user.email = member.email
        try await management.checkSignInNames(id: user.id, email: user.email)
        try await management.directory.insert(user)
        return user
    }
}
