import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
public import Hummingbird

/// LiteLLM's user management API: `/user/new`, `/user/info`, `/user/update`, `/user/list`,
/// `/user/delete`. A `password` (at least 12 characters; null removes it) lets the user sign in
/// at `/login`; setting it ends the user's sessions. Only a proxy admin creates, changes or deletes users (so nobody raises their
/// own role); viewers and users read within their reach.
public struct UserRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/user/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.get("/user/info") { request, context in try await self.info(request, context) }
        // LiteLLM's light form: the user alone.
        router.get("/v2/user/info") { request, context in
            Response.json(ManagementJSON.user(try await self.readable(request, context)))
        }
        router.changing("/user/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
        router.get("/user/list") { request, context in try await self.list(request, context) }
        router.changing("/user/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
        router.changing("/user/sessions/delete", .post, trail: management.trail) { call, _ in try await self.endSessions(call) }
    }

    /// Creates the user and, unless `auto_create_key` is false, a key for them (shown once).
    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("create users")
        let body = call.body
        let now = Date()
        let (user, teams, changes) = try await create(try body.string("user_id").value ?? DirectoryID.new("user"), body, now: now)
        var answer = ManagementJSON.user(user, teams: teams)
        var keyChanges: [RecordChange] = []
        if try body.bool("auto_create_key") ?? true {
            let raw = APIKeyFormat.generate()
            var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw), createdAt: now)
            key.userID = user.id
            key.organizationID = user.organizationID
            try body.apply(to: &key.limits)
            try await management.keys.insert(key)
            keyChanges.append(try await management.changed(key))
            answer["key"] = .string(raw)
            answer["token"] = .string(key.id)
        }
        return Changed(answer, changes + keyChanges)
    }

    /// Inserts a user as the body describes (and into its `teams`), after checking that its id
    /// and email are free and its organization and teams exist.
    /// - Returns: the user, its teams, and the changes to record.
    func create(_ id: String, _ body: ManagementBody, now: Date) async throws -> (User, [String], [RecordChange]) {
        var user = User(id: id, createdAt: now)
        try body.apply(to: &user)
        let password = try management.password(in: body)
        if try await management.directory.user(id: user.id) != nil {
            throw GatewayError.badRequest("User \(user.id) already exists.", param: "user_id")
        }
        if let email = user.email, try await management.directory.user(email: email) != nil {
            throw GatewayError.badRequest("A user with this email already exists.", param: "user_email")
        }
        try await management.checkSignInNames(id: user.id, email: user.email)
        if let organizationID = user.organizationID { _ = try await management.organization(organizationID) }
        let teams = try body.strings("teams") ?? []
        for teamID in teams { _ = try await management.team(teamID) }
        try await management.directory.insert(user)
        for teamID in teams { try await management.directory.setMember(TeamMember(userID: user.id, role: .user), of: teamID) }
        var changes = [try await management.changed(user)]
        if case .set = password { changes += try await management.apply(password, to: user.id) }
        return (user, teams, changes)
    }

    /// `/user/info?user_id=`; without `user_id`, the caller.
    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let user = try await readable(request, context)
        let id = user.id
        let memberships = try await management.directory.memberships(userID: id)
        let teams = try await management.spend.overlay(try await management.directory.teams(ids: memberships.keys.sorted()))
        let keys = try await management.withSpend(try await management.keys.list(userID: id, limit: nil))
        return Response.json([
            "user_id": .string(id),
            "user_info": ManagementJSON.user(user, teams: teams.map(\.id)),
            "keys": .array(keys.map(ManagementJSON.key)),
            "teams": .array(try await management.json(teams)),
        ])
    }

    /// Changes a user; a `user_id` nobody has yet creates that user (LiteLLM upserts here too),
    /// which only a proxy admin may, as for `/user/new`.
    /// The user `user_id` names (without it, the caller), with its spend, if the caller may read it:
    /// their own account, with a credential as strong as the account (as for its keys).
    func readable(_ request: Request, _ context: AuthenticatedContext) async throws -> User {
        let caller = try await management.caller(context)
        guard let id = request.uri.queryParameters.get("user_id") ?? caller.principal.userID else {
            throw GatewayError.badRequest("`user_id` is required.", param: "user_id")
        }
        let user = try await management.spend.overlay(try await management.user(id))
        guard caller.readsEverything || (caller.isSelf(id) && caller.speaksFullyFor(accountRole: user.role)) else {
            throw GatewayError.managementForbidden("This user is outside your reach.")
        }
        return user
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change users")
        let body = call.body
        var user: User
        if let id = try body.string("user_id").value {
            guard let found = try await management.directory.user(id: id) else {
                let (created, teams, changes) = try await create(id, body, now: Date())
                return Changed(["user_id": .string(id), "data": ManagementJSON.user(created, teams: teams)], changes)
            }
            user = found
        } else if let email = try body.string("user_email").value, let found = try await management.directory.user(email: email) {
            user = found
        } else {
            throw GatewayError.badRequest("`user_id` (or an existing `user_email`) is required.", param: "user_id")
        }
        let old = user
        let oldEmail = user.email
        try body.apply(to: &user)
        let password = try management.password(in: body)
        if let email = user.email, email != oldEmail, try await management.directory.user(email: email) != nil {
            throw GatewayError.badRequest("A user with this email already exists.", param: "user_email")
        }
        if user.email != oldEmail { try await management.checkSignInNames(id: user.id, email: user.email, of: user.id) }
        if let organizationID = user.organizationID { _ = try await management.organization(organizationID) }
        user.updatedAt = Date()
        try await management.directory.update(user)
        let changes = [try await management.changed(user, was: old)] + (try await management.apply(password, to: user.id))
        return Changed(["user_id": .string(user.id), "data": ManagementJSON.user(user)], changes)
    }

    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("list users")
        let paging = Paging(request, sizeName: "page_size")
        let role = try request.uri.queryParameters.get("role").map { text in
            guard let role = Principal.Role(rawValue: text) else { throw GatewayError.badRequest("Unknown role \(text).", param: "role") }
            return role
        }
        let users = try await management.spend.overlay(try await management.directory.users(role: role, limit: paging.size, offset: paging.offset))
        let total = try await management.directory.userCount(role: role)
        return Response.json([
            "users": .array(users.map { ManagementJSON.user($0) }),
            "total": JSONValue(total),
            "page": JSONValue(paging.page),
            "page_size": JSONValue(paging.size),
            "total_pages": JSONValue(paging.pages(total)),
        ])
    }

    /// Ends every session of the users, on every instance: they sign in again (with single
    /// sign-on, their provider's groups are read again then).
    func endSessions(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("end users' sessions")
        let ids = try call.body.requiredList("user_ids")
        for id in ids { _ = try await management.user(id) }
        let ended = try await management.store.logins.deleteSessions(userIDs: ids)
        let changes = ids.map { RecordChange(.user($0), before: ["sessions": "open"], after: ["sessions": "ended"]) }
        return Changed(["user_ids": ManagementJSON.strings(ids), "sessions_ended": JSONValue(ended)], changes)
    }

    /// Deletes the users, their keys and their team memberships.
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete users")
        let ids = try call.body.requiredList("user_ids")
        for id in ids { _ = try await management.user(id) }
        var changes: [RecordChange] = []
        for id in ids { changes += try await management.deleteKeys(try await management.keys.list(userID: id, limit: nil)) }
        _ = try await management.directory.deleteUsers(ids: ids)
        try await management.store.logins.deleteSessions(userIDs: ids)
        // The users first: the record names the first object changed.
        changes = try await management.removed(ids.map { .user($0) }) + changes
        return Changed(["deleted_users": ManagementJSON.strings(ids)], changes)
    }
}
