import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// `/spend/logs` and `/global/spend/*`: what was spent, by request and grouped, answered from the
/// store (this instance's pending records written out first). Proxy admins and viewers see
/// everything; other callers see their own requests in `/spend/logs` only.
struct SpendRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/spend/logs") { request, context in try await self.logs(request, context) }
        router.get("/global/spend") { request, context in try await self.total(request, context) }
        router.get("/global/spend/report") { request, context in try await self.report(request, context) }
        let groups: [(String, String, String)] = [
            ("keys", "key_id", "api_key"), ("teams", "team_id", "team_id"), ("users", "user_id", "user_id"),
            ("models", "model", "model"), ("end_users", "end_user", "end_user"), ("organizations", "organization_id", "organization_id"),
        ]
        for (path, column, name) in groups {
            router.get(RouterPath("/global/spend/" + path)) { request, context in
                try await self.grouped(by: column, as: name, request, context)
            }
        }
    }

    func logs(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        var filter = try Self.filter(request)
        let query = request.uri.queryParameters
        if !caller.readsEverything {
            // Everyone else: their own requests, by their user id or, without one, their key.
            guard let own = caller.principal.userID ?? caller.principal.keyID else {
                throw GatewayError.managementForbidden("Only a proxy admin or viewer may read spend logs.")
            }
            if caller.principal.userID != nil { filter.userID = own } else { filter.keyID = own }
        }
        let limit = min(max(1, query.get("limit", as: Int.self) ?? 100), 1000)
        let offset = max(0, query.get("offset", as: Int.self) ?? 0)
        let records = try await management.spend.settled().records(filter, limit: limit, offset: offset)
        return Response.json(.array(records.map(Self.json)))
    }

    func total(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        let spend = try await management.spend.settled().total(try Self.filter(request))
        return Response.json(["spend": .number(spend.dollars), "spend_exact": .string(spend.description), "max_budget": .null])
    }

    func grouped(by column: String, as name: String, _ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        let limit = min(max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 100), 1000)
        let groups = try await management.spend.settled().spend(by: column, try Self.filter(request), limit: limit)
        return Response.json(
            .array(
                groups.map { group in
                    [
                        name: group.group.map(JSONValue.string) ?? .null, "total_spend": .number(group.spend.dollars),
                        "total_spend_exact": .string(group.spend.description), "requests": JSONValue(group.requests),
                        "total_tokens": JSONValue(group.tokens),
                    ]
                }))
    }

    private func requireReader(_ context: AuthenticatedContext) async throws {
        try await management.caller(context).requireReader("read global spend")
    }

    /// `api_key` (a key id), `user_id`, `team_id`, `organization_id`, `model`, `request_id`,
    /// `start_date` and `end_date` (`YYYY-MM-DD`, UTC, the end day included, or ISO 8601 times).
    static func filter(_ request: Request) throws -> SpendStore.Filter {
        let query = request.uri.queryParameters
        var filter = SpendStore.Filter()
        filter.keyID = query.get("api_key") ?? query.get("key_id")
        filter.userID = query.get("user_id")
        filter.teamID = query.get("team_id")
        filter.organizationID = query.get("organization_id")
        filter.model = query.get("model")
        filter.requestID = query.get("request_id")
        filter.from = try query.get("start_date").map { try date($0, param: "start_date") }
        filter.until = try query.get("end_date").map { text in
            let day = try date(text, param: "end_date")
            return text.count == 10 ? day.addingTimeInterval(86_400) : day
        }
        return filter
    }

    static func date(_ text: String, param: String) throws -> Date {
        if text.count == 10, let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        if let time = try? Date(text, strategy: .iso8601) { return time }
        throw GatewayError.badRequest("`\(param)` must be a date (YYYY-MM-DD) or an ISO 8601 time.", param: param)
    }

    /// A row with LiteLLM's field names: `request_id` is the response's own id when it had one
    /// (`gatehouse_request_id` is always Gatehouse's), `status` is `success` or `failure`
    /// (`status_code` the HTTP status), and `metadata` carries LiteLLM's `user_api_key_*` fields.
    static func json(_ record: SpendRecord) -> JSONValue {
        let optional = ManagementJSON.optional
        let outcome: JSONValue = .string(record.status < 400 ? "success" : "failure")
        let metadata: JSONValue = [
            "user_api_key": optional(record.keyID), "user_api_key_alias": optional(record.keyAlias),
            "user_api_key_user_id": optional(record.userID), "user_api_key_team_id": optional(record.teamID),
            "user_api_key_org_id": optional(record.organizationID), "user_api_key_end_user_id": optional(record.endUser),
            "status": outcome,
        ]
        return [
            "request_id": .string(record.responseID ?? record.requestID), "gatehouse_request_id": .string(record.requestID),
            "startTime": .string(ManagementJSON.timestamp(record.startedAt)),
            "endTime": .string(ManagementJSON.timestamp(record.startedAt.addingTimeInterval(Double(record.latencyMs) / 1000))),
            "api_key": optional(record.keyID), "user": optional(record.userID), "team_id": optional(record.teamID),
            "organization_id": optional(record.organizationID), "end_user": optional(record.endUser), "principal": .string(record.principalID),
            "auth_method": .string(record.method), "model": .string(record.model), "model_group": .string(record.model),
            "model_id": optional(record.deployment), "prompt_tokens": JSONValue(record.usage.promptTokens),
            "completion_tokens": JSONValue(record.usage.completionTokens), "total_tokens": JSONValue(record.usage.totalTokens),
            "usage_estimated": .bool(record.usageEstimated), "spend": .number(record.cost.dollars), "spend_exact": .string(record.cost.description),
            "status": outcome, "status_code": JSONValue(record.status),
            "request_duration_ms": JSONValue(record.latencyMs), "latency_ms": JSONValue(record.latencyMs), "stream": .bool(record.stream),
            "metadata": metadata,
        ]
    }
}
