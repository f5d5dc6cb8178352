import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Spend over a chosen range of days, grouped by key, user, team, organization, model or end
/// user: a chart by day, a table with the total (both from grouped queries in the store, never
/// summed from a page), and the same table as CSV. Everyone's for proxy admins and viewers, the
/// viewer's own otherwise.
struct SpendPage: Sendable {
    let console: Console
    var management: Management { console.management }
    static let groups: [(String, String)] = [
        ("model", "Model"), ("key_alias", "Key alias"), ("key_id", "Key"), ("user_id", "User"), ("team_id", "Team"),
        ("organization_id", "Organization"), ("end_user", "End user"),
    ]
    static let maxDays = 366
    static let maxGroups = 500

    struct Query {
        var column: String
        var label: String
        var from: Int
        var to: Int
        var filter: SpendStore.Filter
    }

    /// The range (days, UTC, both included; the last 30 by default) and grouping asked for.
    func query(_ request: Request, _ viewer: ConsoleViewer) throws -> Query {
        let parameters = request.uri.queryParameters
        let today = Int(Date().timeIntervalSince1970 / 86_400)
        func day(_ name: String) throws -> Int? {
            guard let text = parameters.get(name), !text.isEmpty else { return nil }
            return Int(try SpendRoutes.date(text, param: name).timeIntervalSince1970 / 86_400)
        }
        let to = try day("to") ?? today
        let from = try day("from") ?? (to - 29)
        guard from <= to, to - from < Self.maxDays else {
            throw GatewayError.badRequest("Choose a range of 1 to \(Self.maxDays) days, the start not after the end.", param: "from")
        }
        let (column, label) = Self.groups.first { $0.0 == parameters.get("by") } ?? Self.groups[0]
        var filter = SpendStore.Filter()
        filter.from = Date(timeIntervalSince1970: Double(from) * 86_400)
        filter.until = Date(timeIntervalSince1970: Double(to + 1) * 86_400)
        if !viewer.caller.readsEverything { filter.userID = viewer.principal.userID ?? "" }
        return Query(column: column, label: label, from: from, to: to, filter: filter)
    }

    func show(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let query = try query(request, viewer)
        let store = await management.spend.settled()
        let lines = try await store.spend(by: query.column, query.filter, limit: Self.maxGroups)
        let total = try await store.total(query.filter)
        let byDay = Dictionary(uniqueKeysWithValues: try await store.daily(query.filter).map { ($0.day, $0) })
        let bars = (query.from...query.to).map { day in
            let spend = byDay[day]?.spend.dollars ?? 0
            return ConsoleChart.Bar(
                label: ConsoleText.day(Date(timeIntervalSince1970: Double(day) * 86_400)), value: spend, caption: ConsoleText.dollars(spend))
        }
        let fromText = ConsoleText.day(Date(timeIntervalSince1970: Double(query.from) * 86_400))
        let toText = ConsoleText.day(Date(timeIntervalSince1970: Double(query.to) * 86_400))
        let options = Self.groups.map { value, label in
            "<option value=\"\(value)\"\(value == query.column ? " selected" : "")>\(label)</option>"
        }.joined()
        let csv = "ui/spend.csv?" + FormEncoding.encode([("by", query.column), ("from", fromText), ("to", toText)])
        var body = """
            <form class="toolbar" method="get" action="ui/spend">
            <label>From <input type="date" name="from" value="\(fromText)"></label><label>To <input type="date" name="to" value="\(toText)"></label>
            <label>By <select name="by">\(options)</select></label><button type="submit" class="secondary">Show</button>
            <span class="spacer"></span><a class="button secondary" href="\(HTML.escape(csv))" download>Export CSV</a></form>
            <div class="stats"><div class="stat"><div class="label">Spend, \(fromText) to \(toText)\(viewer.caller.readsEverything ? "" : ", yours")</div>
            <div class="value">\(ConsoleText.dollars(total.dollars))</div></div>
            <div class="stat"><div class="label">Requests</div><div class="value">\(byDay.values.reduce(0) { $0 + $1.requests })</div></div></div>
            <div class="card"><p><strong>Spend by day</strong></p>\(ConsoleChart.bars(bars, title: "Spend by day from \(fromText) to \(toText)"))</div>
            """
        if lines.isEmpty {
            body += "<div class=\"card empty\">No requests in this range.</div>"
        } else {
            let rows = lines.map { line in
                "<tr><td>\(HTML.escape(line.group ?? "—"))</td><td>\(line.requests)</td><td>\(line.tokens)</td><td>\(ConsoleText.dollars(line.spend.dollars))</td></tr>"
            }.joined()
            body += """
                <table><thead><tr><th scope="col">\(query.label)</th><th scope="col">Requests</th><th scope="col">Tokens</th>
                <th scope="col">Spend</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        let latest = try await store.records(query.filter, limit: Self.latest).map { record in
            """
            <tr><td><a class="mono" href="ui/requests?id=\(HTML.escape(FormEncoding.encode(record.requestID)))">\(HTML.escape(record.requestID))</a></td>
            <td>\(HTML.escape(ConsoleText.time(record.startedAt)))</td><td>\(HTML.escape(record.keyAlias ?? record.keyID ?? record.principalID))</td>
            <td>\(HTML.escape(record.model))</td><td>\(record.status)</td><td>\(ConsoleText.dollars(record.cost.dollars))</td></tr>
            """
        }
        body +=
            "<h2>Latest requests</h2><p class=\"muted\">Open one to see which credential and levels admitted it, and what each limit stood at.</p>"
        body += ConsoleText.table(["Request", "When", "Key", "Model", "Status", "Cost"], latest, empty: "No requests in this range.")
        body += "<p><a href=\"ui/requests\">Explain a request by its id</a></p>"
        return ConsoleLayout.page("Spend", section: .spend, viewer: viewer, body: body)
    }

    /// How many of the newest requests the page lists.
    static let latest = 20

    /// The table as CSV (RFC 4180), each cell quoted, and a cell that a spreadsheet would run as a
    /// formula (`=`, `+`, `-`, `@`, tab, CR) made text with a leading `'`.
    func csv(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let query = try query(request, viewer)
        let store = await management.spend.settled()
        let lines = try await store.spend(by: query.column, query.filter, limit: Self.maxGroups)
        var text = Self.row([query.column, "requests", "tokens", "spend_usd"])
        for line in lines {
            text += Self.row([line.group ?? "", String(line.requests), String(line.tokens), line.spend.description])
        }
        var headers = ConsoleLayout.headers
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"gatehouse-spend-by-\(query.column).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func row(_ cells: [String]) -> String {
        cells.map { cell in
            let safe = cell.first.map { "=+-@\t\r".contains($0) } == true ? "'" + cell : cell
            return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
