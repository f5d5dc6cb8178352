import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird

/// `/audit`: the audit trail, newest first, for proxy admins and viewers. Filters: `start_date`,
/// `end_date` (dates or ISO 8601 times), `actor`, `action` (`auth.*` matches a prefix),
/// `object`, `outcome`; paging with `page` and `page_size` (at most 100).
struct AuditRoutes: Sendable {
    let management: Management
    let audit: Audit

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/audit") { request, context in try await self.find(request, context) }
    }

    func find(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("read the audit trail")
        let query = request.uri.queryParameters
        var filter = AuditStore.Filter()
        filter.from = try query.get("start_date").map { try SpendRoutes.date($0, param: "start_date") }
        filter.to = try query.get("end_date").map { text in
            let day = try SpendRoutes.date(text, param: "end_date")
            return text.count == 10 ? day.addingTimeInterval(86_400) : day
        }
        filter.actor = query.get("actor")
        filter.action = query.get("action")
        filter.object = query.get("object")
        if let outcome = query.get("outcome") {
            guard AuditEvent.Outcome(rawValue: outcome) != nil else {
                throw GatewayError.badRequest("`outcome` must be success, failure or denied.", param: "outcome")
            }
            filter.outcome = outcome
        }
        let paging = Paging(request, sizeName: "page_size")
        // What this instance still holds is written first, so the answer includes it.
        await audit.writer.flush()
        let (records, total) = try await management.audit.find(filter, limit: paging.size, offset: paging.offset)
        return Response.json([
            "records": .array(records.map(\.json)), "total": JSONValue(total), "page": JSONValue(paging.page),
            "total_pages": JSONValue(paging.pages(total)),
        ])
    }
}
