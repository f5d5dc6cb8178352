import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import HTTPTypes
public import Hummingbird
import NIOCore

/// LiteLLM's key management API: `/key/generate`, `/key/info`, `/key/list`, `/key/update`,
/// `/key/delete`, `/key/regenerate`, `/key/block`, `/key/unblock`, each checked against the
/// caller's reach (`ManagementCaller`).
public struct KeyRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/key/generate", .post, trail: management.trail) { call, _ in try await self.generate(call) }
        router.get("/key/info") { request, context in try await self.info(request, context) }
        router.get("/key/list") { request, context in try await self.list(request, context) }
        router.changing("/key/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
        router.changing("/key/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
        router.changing("/key/regenerate", .post, trail: management.trail, emptyAllowed: true) { call, _ in
            try await self.regenerate(nil, call)
        }
        router.changing("/key/{key}/regenerate", .post, trail: management.trail, emptyAllowed: true) { call, context in
            try await self.regenerate(context.parameters.get("key"), call)
        }
        router.changing("/key/block", .post, trail: management.trail) { call, _ in try await self.setBlocked(true, call) }
        router.changing("/key/unblock", .post, trail: management.trail) { call, _ in try await self.setBlocked(false, call) }
    }

    func generate(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        try caller.requireWriter()
        let body = call.body
        let raw: String
        switch try body.string("key") {
        case .value(let supplied):
            // Importing a key's value is an admin's act: anyone else could learn from the answer
            // whether a value they guessed is someone's key.
            try caller.requireAdmin("supply a key's value")
            guard supplied.utf8.count >= APIKeyFormat.minimumImportedLength, supplied.hasPrefix("sk-") else {
                throw GatewayError.badRequest(
                    "A supplied `key` must start with `sk-` and be at least \(APIKeyFormat.minimumImportedLength) characters.", param: "key")
            }
            raw = supplied
        default:
            raw = APIKeyFormat.generate()
        }
        let now = Date()
        var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw), createdAt: now)
        if !caller.isAdmin, body.body["user_id"] == nil { key.userID = caller.principal.userID }
        caller.inheritBounds(into: &key, body: body)
        try body.apply(to: &key, now: now)
        try await place(&key, body, caller: caller, replacing: nil)
        if try await management.keys.key(hash: key.hash) != nil {
            throw GatewayError.badRequest("This key already exists.", param: "key")
        }
        try await management.keys.insert(key)
        return Changed(Self.issued(key, raw: raw), try await management.changed(key))
    }

    /// A key as just issued: the only answer that carries its value; `token_id` is its id, as
    /// LiteLLM names it there.
    static func issued(_ key: VirtualKey, raw: String) -> JSONValue {
        var answer = ManagementJSON.key(key)
        answer["key"] = .string(raw)
        answer["token_id"] = .string(key.id)
        return answer
    }

    /// `/key/info?key=`; without `key`, the caller's own key.
    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        let key = try await management.withSpend([try await readable(request.uri.queryParameters.get("key") ?? caller.principal.id, caller)])[0]
        return Response.json(["key": .string(key.id), "info": ManagementJSON.key(key)])
    }

    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        let query = request.uri.queryParameters
        let paging = Paging(request)
        let full = query.get("return_full_object") == "true"
        let (userID, teamID) = try await listable(caller, userID: query.get("user_id"), teamID: query.get("team_id"))
        var keys = try await management.keys.list(userID: userID, teamID: teamID, limit: paging.size, offset: paging.offset)
        if full { keys = try await management.withSpend(keys) }
        let total = try await management.keys.count(userID: userID, teamID: teamID)
        return Response.json([
            "keys": .array(keys.map { full ? ManagementJSON.key($0) : .string($0.id) }),
            "total_count": JSONValue(total),
            "current_page": JSONValue(paging.page),
            "total_pages": JSONValue(paging.pages(total)),
        ])
    }

    /// Whose keys the caller may list: anyone's for proxy admins and viewers; else a team they
    /// administer, or their own. - Returns: the filter to apply.
    func listable(_ caller: ManagementCaller, userID: String?, teamID: String?) async throws -> (userID: String?, teamID: String?) {
        guard !caller.readsEverything else { return (userID, teamID) }
        if let teamID {
            guard caller.administers(team: teamID) else { throw GatewayError.managementForbidden("You do not administer team \(teamID).") }
            return (userID, teamID)
        }
        guard let own = caller.principal.userID, userID == nil || userID == own,
            caller.speaksFullyFor(accountRole: try await management.directory.user(id: own)?.role)
        else {
            throw GatewayError.managementForbidden("You may only list your own keys.")
        }
        return (own, nil)
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        let old = try await changeable(try body.required("key"), caller)
        var key = old
        try body.apply(to: &key, now: Date())
        try await place(&key, body, caller: caller, replacing: old)
        key.updatedAt = Date()
        try await management.keys.update(key)
        let change = try await management.changed(key, was: old)
        return Changed(ManagementJSON.key(key), change)
    }

    func delete(_ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        // LiteLLM's client sends both, the unused one null.
        if try body.strings("keys") ?? [] == [], try body.strings("key_aliases") != nil {
            return try await delete(aliases: try body.requiredList("key_aliases"), caller)
        }
        let references = try body.requiredList("keys")
        var keys: [VirtualKey] = []
        for reference in references { keys.append(try await changeable(reference, caller)) }
        let removed = try await management.deleteKeys(keys)
        return Changed(["deleted_keys": .array(references.map(JSONValue.string))], removed)
    }

    /// `/key/delete` with `key_aliases`: every key of each alias that the caller may change.
    /// Aliases are not unique in Gatehouse (LiteLLM makes them so, which tells anyone creating a
    /// key which aliases others use); keys of the alias outside the caller's reach are left alone,
    /// and an alias with none within it is 404, as an unknown one is.
    func delete(aliases: [String], _ caller: ManagementCaller) async throws -> Changed {
        var keys: [String: VirtualKey] = [:]
        for alias in aliases {
            var found = false
            for key in try await management.keys.keys(alias: alias, limit: 1000) {
                let owner = try await management.owner(userID: key.userID, team: key.teamID)
                guard caller.mayRead(key, owner: owner), caller.mayChange(key, owner: owner) else { continue }
                keys[key.id] = key
                found = true
            }
            guard found else { throw GatewayError.keyNotFound() }
        }
        let deleted = keys.values.sorted { $0.id < $1.id }
        let removed = try await management.deleteKeys(deleted)
        return Changed(["deleted_keys": .array(deleted.map { .string($0.id) }), "deleted_key_aliases": ManagementJSON.strings(aliases)], removed)
    }

    /// A new secret for the same key id (limits, spend and history stay). With `grace_period`
    /// (`30s`, `1h`, `1d`…) the old secret keeps working until then; without it, it stops at once.
    func regenerate(_ pathReference: String?, _ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        let reference = try pathReference ?? body.required("key")
        var key = try await changeable(reference, caller)
        let old = key
        let now = Date()
        switch try body.string("grace_period") {
        case .value(let period):
            guard let seconds = DurationText.seconds(period) else {
                throw GatewayError.badRequest("`grace_period` must look like 30s, 1h or 1d.", param: "grace_period")
            }
            key.previousHash = key.hash
            key.previousValidUntil = now.addingTimeInterval(seconds)
        default:
            key.previousHash = nil
            key.previousValidUntil = nil
        }
        let raw = APIKeyFormat.generate()
        key.hash = APIKeyFormat.hash(raw)
        key.display = APIKeyFormat.display(raw)
        key.updatedAt = now
        try await management.keys.update(key)
        return Changed(Self.issued(key, raw: raw), try await management.changed(key, was: old))
    }

    func setBlocked(_ blocked: Bool, _ call: ManagementCall) async throws -> Changed {
        let caller = try await management.caller(call.principal)
        let body = call.body
        var key = try await changeable(try body.required("key"), caller)
        guard caller.isAdmin || caller.administers(team: key.teamID) else {
            throw GatewayError.managementForbidden("Only a proxy admin or the key's team admin may block or unblock it.")
        }
        let old = key
        key.blocked = blocked
        key.updatedAt = Date()
        try await management.keys.update(key)
        let change = try await management.changed(key, was: old)
        return Changed(ManagementJSON.key(key), change)
    }

    /// Checks where a new or changed key belongs and what it grants; a key joining a team takes
    /// the team's organization unless a proxy admin names another.
    func place(_ key: inout VirtualKey, _ body: ManagementBody, caller: ManagementCaller, replacing old: VirtualKey?) async throws {
        if !caller.isAdmin, body.body["organization_id"] != nil {
            throw GatewayError.managementForbidden("Only a proxy admin may set `organization_id`.")
        }
        // A budget binds the key; whoever could detach one could lift its limits.
        if key.budgetID != old?.budgetID {
            guard caller.isAdmin else { throw GatewayError.managementForbidden("Only a proxy admin may set `budget_id`.", param: "budget_id") }
            if let id = key.budgetID { _ = try await BudgetRoutes(management: management).budget(id) }
        }
        if let teamID = key.teamID {
            let team = try await management.team(teamID)
            if teamID != old?.teamID, body.body["organization_id"] == nil { key.organizationID = team.organizationID }
        }
        try caller.checkPlacement(of: key, owner: try await management.owner(userID: key.userID, team: key.teamID))
        let inherited = management.cache.chain(userID: key.userID, teamID: key.teamID, organizationID: key.organizationID).models.map(\.models)
        try caller.checkGrant(key, inherited: inherited, replacing: old, router: management.router)
    }

    /// A key named by its raw value (`sk-…`) or by its id (`token`), if the caller may read it.
    func readable(_ reference: String, _ caller: ManagementCaller) async throws -> VirtualKey {
        try await reached(reference, caller).key
    }

    /// A key the caller may change: every route that changes a key (update, delete, regenerate,
    /// block) comes through here, so its owner's standing is always checked.
    func changeable(_ reference: String, _ caller: ManagementCaller) async throws -> VirtualKey {
        let (key, owner) = try await reached(reference, caller)
        guard caller.mayChange(key, owner: owner) else { throw GatewayError.managementForbidden("You may not change this key.") }
        return key
    }

    /// The key a reference names and its owner, if the caller may read it.
    func reached(_ reference: String, _ caller: ManagementCaller) async throws -> (key: VirtualKey, owner: KeyOwner) {
        let found =
            reference.hasPrefix("sk-")
            ? try await management.keys.key(hash: APIKeyFormat.hash(reference)) : try await management.keys.key(id: reference)
        guard let found else { throw GatewayError.keyNotFound() }
        let owner = try await management.owner(userID: found.userID, team: found.teamID)
        guard caller.mayRead(found, owner: owner) else { throw GatewayError.managementForbidden("This key is outside your reach.") }
        return (found, owner)
    }
}
