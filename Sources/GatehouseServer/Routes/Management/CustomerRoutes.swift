import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
public import Hummingbird

/// LiteLLM's end-user (customer) API, under both of its names: `/customer/…` and `/end_user/…`
/// `new`, `info`, `update`, `delete`, `list`, `block`, `unblock`. An end user is the `user` a
/// model request names; a registered one is held to its budget, models and region whichever
/// credential names it. Proxy admins change end users; admins and viewers read them.
public struct CustomerRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        for prefix in ["/customer", "/end_user"] {
            router.changing(prefix + "/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
            router.get(RouterPath(prefix + "/info")) { request, context in try await self.info(request, context) }
            router.changing(prefix + "/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
            router.changing(prefix + "/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
            router.get(RouterPath(prefix + "/list")) { request, context in try await self.list(request, context) }
            router.changing(prefix + "/block", .post, trail: management.trail) { call, _ in try await self.setBlocked(true, call) }
            router.changing(prefix + "/unblock", .post, trail: management.trail) { call, _ in try await self.setBlocked(false, call) }
        }
    }

    var customers: CustomerStore { management.store.customers }
    var budgets: BudgetRoutes { BudgetRoutes(management: management) }

    /// Creates an end user. Limits given inline make a budget of its own (as LiteLLM does);
    /// `budget_id` names a shared one instead — not both.
    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("create end users")
        let body = call.body
        let id = try body.required("user_id")
        guard id.utf8.count <= 256 else { throw GatewayError.badRequest("`user_id` must be at most 256 bytes.", param: "user_id") }
        if try await customers.endUser(id: id) != nil {
            throw GatewayError.badRequest("Customer already exists, passed user_id=\(id). Please pass a new user_id.", param: "user_id")
        }
        var endUser = EndUser(id: id)
        try await apply(body, to: &endUser)
        var changes: [RecordChange] = []
        var budget: Budget?
        if Self.setsLimits(body) {
            guard endUser.budgetID == nil else {
                throw GatewayError.badRequest("Give either `budget_id` or the budget's limits (`max_budget`…), not both.", param: "budget_id")
            }
            let created = try await budgets.create(body, id: nil, by: call.principal)
            changes.append(try await management.changed(created))
            endUser.budgetID = created.id
            budget = created
        } else if let id = endUser.budgetID {
            budget = try await budgets.budget(id)
        }
        try await customers.insert(endUser)
        changes.insert(try await management.changed(endUser), at: 0)
        return Changed(ManagementJSON.endUser(endUser, budget: budget), changes)
    }

    /// `?end_user_id=` (or `user_id`).
    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("read end users")
        let query = request.uri.queryParameters
        guard let id = query.get("end_user_id") ?? query.get("user_id") else {
            throw GatewayError.badRequest("`end_user_id` is required.", param: "end_user_id")
        }
        let endUser = try await self.endUser(id)
        return Response.json(try await json([endUser])[0])
    }

    /// Changes an end user. Limits given inline change its budget (LiteLLM's behaviour: a shared
    /// budget changes for everyone who refers to it), or make one when it has none.
    func update(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change end users")
        let body = call.body
        let old = try await endUser(try body.required("user_id"))
        var endUser = old
        try await apply(body, to: &endUser)
        var changes: [RecordChange] = []
        var budget = try await endUser.budgetID.asyncMap { try await budgets.budget($0) }
        if Self.setsLimits(body) {
            if let existing = budget {
                let (updated, change) = try await budgets.update(existing, with: body)
                budget = updated
                changes.append(change)
            } else {
                let created = try await budgets.create(body, id: nil, by: call.principal)
                changes.append(try await management.changed(created))
                endUser.budgetID = created.id
                budget = created
            }
        }
        endUser.updatedAt = Date()
        try await customers.update(endUser)
        changes.insert(try await management.changed(endUser, was: old), at: 0)
        return Changed(ManagementJSON.endUser(endUser, budget: budget), changes)
    }

    /// Deletes end users (all must exist); their budgets stay.
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete end users")
        let ids = try call.body.requiredList("user_ids")
        let found = Set(try await customers.endUsers(ids: ids).map(\.id))
        let missing = ids.filter { !found.contains($0) }
        guard missing.isEmpty else {
            throw GatewayError.managementNotFound("End User Id(s)=\(missing.joined(separator: ", ")) do not exist in db", param: "user_ids")
        }
        let deleted = try await customers.deleteEndUsers(ids: ids)
        let changes = try await management.removed(ids.map { .endUser($0) })
        return Changed(
            ["deleted_customers": JSONValue(deleted), "message": .string("Successfully deleted customers with ids: \(ids)")], changes)
    }

    /// `?page=&page_size=` (at most 100) `&search=` (in id or alias, any case), in id order.
    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("read end users")
        let paging = Paging(request, sizeName: "page_size", defaultSize: 50)
        let search = request.uri.queryParameters.get("search")
        let found = try await customers.endUsers(search: search, limit: paging.size, offset: paging.offset)
        return Response.json(.array(try await json(found)))
    }

    /// Blocks end users, registering those not yet known (as LiteLLM does), or unblocks them.
    func setBlocked(_ blocked: Bool, _ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin(blocked ? "block end users" : "unblock end users")
        let ids = try call.body.requiredList("user_ids")
        guard ids.count <= 1000 else { throw GatewayError.badRequest("At most 1000 `user_ids` at once.", param: "user_ids") }
        var changes: [RecordChange] = []
        var changed: [EndUser] = []
        for id in ids {
            guard id.utf8.count <= 256 else { throw GatewayError.badRequest("Each user id must be at most 256 bytes.", param: "user_ids") }
            if let old = try await customers.endUser(id: id) {
                var endUser = old
                endUser.blocked = blocked
                endUser.updatedAt = Date()
                try await customers.update(endUser)
                changes.append(try await management.changed(endUser, was: old))
                changed.append(endUser)
            } else if blocked {
                var endUser = EndUser(id: id)
                endUser.blocked = true
                try await customers.insert(endUser)
                changes.append(try await management.changed(endUser))
                changed.append(endUser)
            }
        }
        let answer = try await json(changed)
        return Changed([blocked ? "blocked_users" : "unblocked_users": .array(answer)], changes)
    }

    // MARK: helpers

    func endUser(_ id: String) async throws -> EndUser {
        guard let endUser = try await customers.endUser(id: id) else {
            throw GatewayError.managementNotFound("End User Id=\(id) does not exist in db", param: "end_user_id")
        }
        return endUser
    }

    /// End users as the API shows them: with their budgets and their spend in its current period.
    func json(_ endUsers: [EndUser]) async throws -> [JSONValue] {
        let budgets = Dictionary(
            uniqueKeysWithValues: try await customers.budgets(ids: Array(Set(endUsers.compactMap(\.budgetID)))).map { ($0.id, $0) })
        let spent = try await management.spend.overlay(endUsers) { $0.budgetID.flatMap { budgets[$0]?.limits } ?? Limits() }
        return spent.map { ManagementJSON.endUser($0, budget: $0.budgetID.flatMap { budgets[$0] }) }
    }

    /// The end user's own fields in the body: alias, blocked, budget (which must exist), region,
    /// default model (which must be served), models and metadata.
    func apply(_ body: ManagementBody, to endUser: inout EndUser) async throws {
        try body.string("alias").apply(to: &endUser.alias)
        if let blocked = try body.bool("blocked") { endUser.blocked = blocked }
        if let models = try body.strings("models") { endUser.models = models }
        if let metadata = try body.metadata() { endUser.metadata = metadata }
        try body.string("budget_id").apply(to: &endUser.budgetID)
        if let id = try body.string("budget_id").value { _ = try await budgets.budget(id) }
        try body.string("allowed_model_region").apply(to: &endUser.allowedModelRegion)
        if let region = endUser.allowedModelRegion, !EndUser.regions.contains(region) {
            throw GatewayError.badRequest("`allowed_model_region` must be eu or us.", param: "allowed_model_region")
        }
        try body.string("default_model").apply(to: &endUser.defaultModel)
        if let model = try body.string("default_model").value, !management.router.hasModel(model) {
            throw GatewayError.badRequest("Default Model not on proxy: \(model).", param: "default_model")
        }
        if let spend = body.body["spend"], spend != .null, spend.doubleValue != 0 {
            throw GatewayError.badRequest("`spend` is counted by Gatehouse from requests; it cannot be set.", param: "spend")
        }
    }

    static func setsLimits(_ body: ManagementBody) -> Bool {
        BudgetRoutes.limitFields.contains { body.body[$0] != nil && body.body[$0] != .null }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
