import Foundation
import GatehouseCore
import GatehouseStore
public import Hummingbird

/// LiteLLM's budget API: `/budget/new`, `/budget/update`, `/budget/info`, `/budget/settings`,
/// `/budget/list`, `/budget/delete`. A budget is a named set of limits that end users, keys and
/// team members refer to by `budget_id`. Proxy admins change budgets; admins and viewers read them.
public struct BudgetRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    /// The fields of a body that are a budget's limits.
    static let limitFields = [
        "max_budget", "soft_budget", "budget_duration", "rpm_limit", "tpm_limit", "rpd_limit", "tpd_limit", "max_parallel_requests",
        "model_rpm_limit", "model_tpm_limit", "budget_admission",
    ]

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/budget/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.changing("/budget/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
        router.post("/budget/info") { request, context in try await self.info(request, context) }
        router.get("/budget/settings") { request, context in try await self.settings(request, context) }
        router.get("/budget/list") { _, context in
            try await self.requireReader(context)
            return Response.json(.array(try await management.store.customers.budgets().map(ManagementJSON.budget)))
        }
        router.changing("/budget/delete", .post, .delete, trail: management.trail) { call, _ in try await self.delete(call) }
    }

    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("create budgets")
        let budget = try await create(call.body, id: try call.body.string("budget_id").value, by: call.principal)
        return Changed(ManagementJSON.budget(budget), try await management.changed(budget))
    }

    /// Inserts a budget with the body's limits (also for an end user given limits inline).
    func create(_ body: ManagementBody, id: String?, by principal: Principal) async throws -> Budget {
        let id = id ?? DirectoryID.new("budget")
        try Self.checkID(id)
        var budget = Budget(id: id)
        try body.apply(to: &budget.limits)
        try Self.refuseUnsupported(body)
        budget.createdBy = principal.userID ?? principal.id
        if try await management.store.customers.budget(id: id) != nil {
            throw GatewayError.badRequest("Budget with id '\(id)' already exists.", param: "budget_id")
        }
        try await management.store.customers.insert(budget)
        return budget
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change budgets")
        let (budget, change) = try await update(try budget(call.body.required("budget_id")), with: call.body)
        return Changed(ManagementJSON.budget(budget), change)
    }

    /// Applies the body's limits to a budget (every referrer is held to them from now on).
    func update(_ budget: Budget, with body: ManagementBody) async throws -> (Budget, RecordChange) {
        var changed = budget
        try body.apply(to: &changed.limits)
        try Self.refuseUnsupported(body)
        changed.updatedAt = Date()
        try await management.store.customers.update(changed)
        return (changed, try await management.changed(changed, was: budget))
    }

    /// `POST /budget/info` with `budgets`: the budgets with these ids.
    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        let ids = try await management.body(request).requiredList("budgets")
        return Response.json(.array(try await management.store.customers.budgets(ids: ids).map(ManagementJSON.budget)))
    }

    /// `GET /budget/settings?budget_id=`: each field LiteLLM's UI edits, with its value.
    func settings(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        guard let id = request.uri.queryParameters.get("budget_id") else {
            throw GatewayError.badRequest("`budget_id` is required.", param: "budget_id")
        }
        let values = try await management.store.customers.budget(id: id).map { ManagementJSON.budget($0) } ?? [:]
        let fields: [(String, String, String)] = [
            ("max_parallel_requests", "Integer", "Max concurrent requests allowed for this budget id."),
            ("tpm_limit", "Integer", "Max tokens per minute, allowed for this budget id."),
            ("rpm_limit", "Integer", "Max requests per minute, allowed for this budget id."),
            ("tpd_limit", "Integer", "Max tokens per day, allowed for this budget id."),
            ("budget_duration", "String", "Max duration budget should be set for (e.g. '1hr', '1d', '28d')"),
            ("max_budget", "Float", "Requests will fail if this budget (in USD) is exceeded."),
            ("soft_budget", "Float", "Requests will NOT fail if this is exceeded. Will fire alerting though."),
        ]
        return Response.json(
            .array(
                fields.map { name, type, description in
                    [
                        "field_name": .string(name), "field_type": .string(type), "field_description": .string(description),
                        "field_value": values[name] ?? .null, "stored_in_db": true, "field_default_value": .null,
                    ]
                }))
    }

    /// Deletes a budget nothing refers to (deleting one in use would lift its referrers' limits).
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete budgets")
        let id = try call.body.string("id").value ?? call.body.required("budget_id")
        let budget = try await budget(id)
        let references = try await management.store.customers.references(toBudget: id)
        guard references.isEmpty else {
            throw GatewayError.badRequest(
                "Budget \(id) is still in use by \(references.joined(separator: ", ")); point them elsewhere first.", param: "id")
        }
        try await management.store.customers.deleteBudgets(ids: [id])
        return Changed(ManagementJSON.budget(budget), try await management.removed([.budget(id)]))
    }

    func budget(_ id: String) async throws -> Budget {
        guard let budget = try await management.store.customers.budget(id: id) else {
            throw GatewayError.managementNotFound("Budget \(id) not found.", param: "budget_id")
        }
        return budget
    }

    func requireReader(_ context: AuthenticatedContext) async throws {
        try await management.caller(context).requireReader("read budgets")
    }

    static func checkID(_ id: String) throws {
        guard !id.isEmpty, id.utf8.count <= 256 else { throw GatewayError.badRequest("`budget_id` must be 1 to 256 bytes.", param: "budget_id") }
    }

    /// LiteLLM's `model_max_budget` (a budget per model) is not implemented: refused rather than
    /// ignored, so nobody believes a limit holds that does not.
    static func refuseUnsupported(_ body: ManagementBody) throws {
        if let value = body.body["model_max_budget"], value != .null, value != [:] {
            throw GatewayError.badRequest(
                "`model_max_budget` is not supported by Gatehouse; use `model_rpm_limit`/`model_tpm_limit`, or a key per model.",
                param: "model_max_budget")
        }
    }
}
