import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// The request explainer: for a request id (Gatehouse's `x-gatehouse-request-id` or the
/// response's own `chatcmpl-…`), which credential made it, which deployment answered, what it
/// used and cost, and every level of its chain with what each limit and budget stood at when it
/// was admitted. Proxy admins and viewers explain any request; everyone else their own.
struct RequestPage: Sendable {
    let console: Console
    var management: Management { console.management }

    func show(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let id = (request.uri.queryParameters.get("id") ?? "").trimmingCharacters(in: .whitespaces)
        var body = """
            <form class="toolbar" method="get" action="ui/requests"><label>Request id <input name="id" value="\(HTML.escape(id))" \
            placeholder="req_… or chatcmpl-…" size="40"></label><button type="submit">Explain</button></form>
            """
        guard !id.isEmpty else {
            body +=
                "<div class=\"card empty\">Give a request id: the response's <span class=\"mono\">x-gatehouse-request-id</span> header or its <span class=\"mono\">id</span>.</div>"
            return ConsoleLayout.page("Explain a request", section: .spend, viewer: viewer, body: body)
        }
        var filter = SpendStore.Filter()
        filter.requestID = id
        let store = await management.spend.settled()
        guard let record = try await store.records(filter, limit: 1).first, mayRead(record, viewer) else {
            body += "<div class=\"card empty\">No request with this id that you may see.</div>"
            return ConsoleLayout.page("Explain a request", section: .spend, viewer: viewer, body: body, status: .notFound)
        }
        body += summary(record)
        let panel = console.limitsPanel
        var subjects =
            try await record.keyID.asyncMap { try await panel.keySubjects($0) }
            ?? panel.chainSubjects(user: record.userID, team: record.teamID, organization: record.organizationID)
        // The levels of the request's own chain, as the row names them (a key may have moved since).
        let named: [(LimitLevel, String?)] = [
            (.key, record.keyID), (.user, record.userID), (.team, record.teamID), (.organization, record.organizationID),
        ]
        subjects = LimitsPanel.rows(
            named.compactMap { level, id in id.map { (level, $0) } }, subjects.filter { SpendStore.levelColumns[$0.level] != nil })
        body += LimitsPanel.render(try await management.spend.standing(of: subjects, before: record), .admission)
        return ConsoleLayout.page("Request \(record.requestID)", section: .spend, viewer: viewer, body: body)
    }

    /// Everyone reads their own requests (by user id, or by key for a credential without one).
    func mayRead(_ record: SpendRecord, _ viewer: ConsoleViewer) -> Bool {
        if viewer.caller.readsEverything { return true }
        if let user = viewer.principal.userID { return record.userID == user }
        return viewer.principal.keyID != nil && record.keyID == viewer.principal.keyID
    }

    func summary(_ record: SpendRecord) -> String {
        func row(_ label: String, _ value: String) -> String { "<tr><th scope=\"row\">\(label)</th><td>\(value)</td></tr>" }
        func text(_ value: String?) -> String { value.map { HTML.escape($0) } ?? "<span class=\"muted\">none</span>" }
        let key = record.keyID.map { id in
            "<a href=\"ui/keys/\(HTML.escape(FormEncoding.encode(id)))/edit\">\(HTML.escape(record.keyAlias ?? id))</a> <span class=\"mono muted\">\(HTML.escape(id))</span>"
        }
        let outcome =
            record.status < 400 ? "<span class=\"badge ok\">\(record.status)</span>" : "<span class=\"badge blocked\">\(record.status)</span>"
        let usage =
            "\(record.usage.promptTokens) in + \(record.usage.completionTokens) out\(record.usageEstimated ? " <span class=\"muted\">(estimated: the upstream reported none)</span>" : "")"
        return """
            <table class="facts"><tbody>
            \(row("When", HTML.escape(ConsoleText.time(record.startedAt))))
            \(row("Credential", "\(HTML.escape(record.method)) · \(key ?? text(record.principalID))"))
            \(row("User · team · organization", "\(text(record.userID)) · \(text(record.teamID)) · \(text(record.organizationID))"))
            \(row("End user (the request's <span class=\"mono\">user</span>)", text(record.endUser)))
            \(row("Model · deployment", "\(HTML.escape(record.model)) · \(text(record.deployment))\(record.stream ? " · streamed" : "")"))
            \(row("Answer", "\(outcome) after \(record.latencyMs) ms\(record.responseID.map { " · <span class=\"mono\">\(HTML.escape($0))</span>" } ?? "")"))
            \(row("Tokens", usage))
            \(row("Cost", HTML.escape("$" + record.cost.description)))
            </tbody></table>
            """
    }
}
