import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import Hummingbird

/// `GET /global/spend/report`: LiteLLM's daily spend report for proxy admins and viewers.
/// `start_date` and `end_date` (days, UTC, both included, at most 366 days apart) are required;
/// `group_by` is `team` (the default), `customer` (the request's `user`), `provider` or `api_key`;
/// `api_key`, `internal_user_id`, `team_id` and `customer_id` narrow it. By day and group, with
/// each model's spend inside; `api_key` (or a narrowing by key or user) gives LiteLLM's per-key
/// shape instead. At most 10,000 lines (day × group × model × key × deployment) are read.
extension SpendRoutes {
    static let maxReportDays = 366
    static let maxReportLines = 10_000

    func report(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("read spend reports")
        let query = request.uri.queryParameters
        guard let start = query.get("start_date"), let end = query.get("end_date") else {
            throw GatewayError.badRequest("Please provide start_date and end_date.", param: "start_date")
        }
        var filter = try Self.filter(request)
        guard start.count == 10, end.count == 10, let from = filter.from, let until = filter.until, from < until else {
            throw GatewayError.badRequest("`start_date` and `end_date` must be days (YYYY-MM-DD), the start not after the end.", param: "start_date")
        }
        guard until.timeIntervalSince(from) <= Double(Self.maxReportDays) * 86_400 else {
            throw GatewayError.badRequest("A report covers at most \(Self.maxReportDays) days.", param: "end_date")
        }
        if let user = query.get("internal_user_id") { filter.userID = user }
        filter.endUser = query.get("customer_id")
        let groupBy = query.get("group_by") ?? "team"
        let column: String
        switch groupBy {
        case "team": column = "team_id"
        case "customer": column = "end_user"
        case "api_key": column = "key_id"
        case "provider": column = "deployment"
        default: throw GatewayError.badRequest("`group_by` must be team, customer, provider or api_key.", param: "group_by")
        }
        let perKey = groupBy == "api_key" || filter.keyID != nil || filter.userID != nil
        let lines = try await management.spend.settled().report(by: perKey ? "key_id" : column, filter, limit: Self.maxReportLines)
        if perKey { return Response.json(.array(Self.byKey(lines))) }
        return Response.json(.array(try await byDay(lines, groupBy: groupBy)))
    }

    /// LiteLLM's per-key shape: each key's totals and its models'.
    static func byKey(_ lines: [SpendStore.ReportLine]) -> [JSONValue] {
        let keys = Dictionary(grouping: lines) { $0.keyID ?? "" }
        return keys.map { key, lines in (key, lines, lines.reduce(USD.zero) { $0 + $1.spend }) }
            .sorted { ($0.2, $1.0) > ($1.2, $0.0) }
            .map { key, lines, total in
                let models = Dictionary(grouping: lines, by: \.model).sorted { $0.key < $1.key }.map { model, lines in
                    totals(lines, ["model": .string(model)], cost: "total_cost")
                }
                var entry = totals(lines, ["api_key": key.isEmpty ? .null : .string(key)], cost: "total_cost")
                entry["model_details"] = .array(models)
                return entry
            }
    }

    /// LiteLLM's daily shape: per day, each group's total and its models' spend.
    func byDay(_ lines: [SpendStore.ReportLine], groupBy: String) async throws -> [JSONValue] {
        let (list, name) =
            switch groupBy {
            case "customer": ("customers", "customer")
            case "provider": ("providers", "provider")
            default: ("teams", "team_name")
            }
        let providers = Dictionary(management.router.allDeployments.map { ($0.id, $0.provider.rawValue) }) { first, _ in first }
        func group(of line: SpendStore.ReportLine) -> String? {
            groupBy == "provider" ? line.group.map { providers[$0] ?? "unknown" } : line.group
        }
        var aliases: [String: String] = [:]
        if groupBy == "team" {
            let ids = Set(lines.compactMap(\.group)).sorted()
            for team in try await management.directory.teams(ids: ids) { aliases[team.id] = team.alias }
        }
        return Dictionary(grouping: lines, by: \.day).sorted { $0.key < $1.key }.map { day, lines in
            let groups = Dictionary(grouping: lines) { group(of: $0) ?? "" }.sorted { $0.key < $1.key }.map { group, lines in
                let models = Dictionary(grouping: lines) { [$0.model, $0.keyID ?? ""] }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
                    .map { modelAndKey, lines in
                        Self.totals(lines, ["model": .string(modelAndKey[0]), "api_key": ManagementJSON.optional(lines[0].keyID)], cost: "spend")
                    }
                var entry: [String: JSONValue] = [name: group.isEmpty ? .null : .string(aliases[group] ?? group)]
                if groupBy == "team" { entry["team_id"] = group.isEmpty ? .null : .string(group) }
                let spend = lines.reduce(USD.zero) { $0 + $1.spend }
                entry["total_spend"] = .number(spend.dollars)
                entry["total_spend_exact"] = .string(spend.description)
                entry["metadata"] = .array(models)
                return JSONValue.object(entry)
            }
            let date = Date(timeIntervalSince1970: Double(day) * 86_400).formatted(.iso8601.year().month().day())
            return JSONValue.object(["group_by_day": .string(date), list: .array(groups)])
        }
    }

    /// Lines summed: cost (under `cost`), tokens and requests, added to `fields`.
    static func totals(_ lines: [SpendStore.ReportLine], _ fields: [String: JSONValue], cost: String) -> JSONValue {
        var entry = fields
        let spend = lines.reduce(USD.zero) { $0 + $1.spend }
        entry[cost] = .number(spend.dollars)
        entry[cost + "_exact"] = .string(spend.description)
        entry["total_input_tokens"] = JSONValue(lines.reduce(0) { $0 + $1.promptTokens })
        entry["total_output_tokens"] = JSONValue(lines.reduce(0) { $0 + $1.completionTokens })
        entry["total_tokens"] = JSONValue(lines.reduce(0) { $0 + $1.promptTokens + $1.completionTokens })
        entry["requests"] = JSONValue(lines.reduce(0) { $0 + $1.requests })
        return .object(entry)
    }
}
