import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// The console's first page: how many keys the viewer can see and in what state, and for those
/// who read everything, how many users and teams there are. Every figure is counted by the
/// store over the viewer's whole reach, not summed from a page.
struct OverviewPage: Sendable {
    let console: Console
    var management: Management { console.management }

    func show(_ viewer: ConsoleViewer) async throws -> Response {
        let (userID, teamID) = try await KeyRoutes(management: management).listable(viewer.caller, userID: nil, teamID: nil)
        var search = KeySearch()
        search.userID = userID
        search.teamID = teamID
        var figures: [(String, String, String)] = []
        for status in [nil, KeySearch.Status.active, .blocked, .expiring] {
            search.status = status
            let count = try await management.keys.count(search)
            let label = status.map { "\($0.rawValue.capitalized) keys" } ?? (viewer.caller.readsEverything ? "Keys" : "Your keys")
            figures.append((label, "\(count)", "ui/keys" + (status.map { "?status=" + $0.rawValue } ?? "")))
        }
        if viewer.caller.readsEverything {
            figures.append(("Users", "\(try await management.directory.userCount())", "ui/users"))
            figures.append(("Teams", "\(try await management.directory.teamCount())", "ui/teams"))
        }
        let stats = figures.map { label, value, link in
            let figure = link.isEmpty ? HTML.escape(value) : "<a href=\"\(HTML.escape(link))\">\(HTML.escape(value))</a>"
            return "<div class=\"stat\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(figure)</div></div>"
        }.joined()
        let body = """
            <div class="stats">\(stats)</div>\(try await activity(viewer))
            <div class="card"><p>Signed in as <strong>\(HTML.escape(viewer.name))</strong> with the role
            <strong>\(HTML.escape(viewer.principal.role.rawValue))</strong>. The console shows and offers only what this role may do;
            the management API checks the same rules.</p></div>
            """
        return ConsoleLayout.page("Overview", section: .overview, viewer: viewer, body: body)
    }

    static let days = 30

    /// The last 30 days of requests (errors in red) and spend, by day, and the models and keys
    /// that spent most — everyone's for those who read everything, else the viewer's own.
    func activity(_ viewer: ConsoleViewer) async throws -> String {
        var filter = SpendStore.Filter()
        let today = Int(Date().timeIntervalSince1970 / 86_400)
        filter.from = Date(timeIntervalSince1970: Double(today - Self.days + 1) * 86_400)
        if !viewer.caller.readsEverything { filter.userID = viewer.principal.userID ?? "" }
        let store = await management.spend.settled()
        let byDay = Dictionary(uniqueKeysWithValues: try await store.daily(filter).map { ($0.day, $0) })
        let days = (today - Self.days + 1...today).map { day in
            byDay[day] ?? SpendStore.Day(day: day, requests: 0, errors: 0, spend: .zero)
        }
        let requests = days.reduce(0) { $0 + $1.requests }
        let errors = days.reduce(0) { $0 + $1.errors }
        let spend = days.reduce(USD.zero) { $0 + $1.spend }
        func label(_ day: Int) -> String { ConsoleText.day(Date(timeIntervalSince1970: Double(day) * 86_400)) }
        let requestBars = days.map {
            ConsoleChart.Bar(
                label: label($0.day), value: Double($0.requests), alarm: Double($0.errors), caption: "\($0.requests) requests, \($0.errors) errors")
        }
        let spendBars = days.map { ConsoleChart.Bar(label: label($0.day), value: $0.spend.dollars, caption: ConsoleText.dollars($0.spend.dollars)) }
        let scope = viewer.caller.readsEverything ? "everyone's" : "your own"
        var html = """
            <h2>The last \(Self.days) days (\(scope))</h2>
            <div class="stats"><div class="stat"><div class="label">Requests</div><div class="value">\(requests)</div></div>
            <div class="stat"><div class="label">Errors</div><div class="value">\(errors)</div></div>
            <div class="stat"><div class="label">Spend</div><div class="value">\(ConsoleText.dollars(spend.dollars))</div></div></div>
            <div class="charts"><div class="card"><p><strong>Requests by day</strong> <span class="legend">(errors in red)</span></p>
            \(ConsoleChart.bars(requestBars, title: "Requests by day over the last \(Self.days) days"))</div>
            <div class="card"><p><strong>Spend by day</strong></p>\(ConsoleChart.bars(spendBars, title: "Spend by day over the last \(Self.days) days"))</div></div>
            """
        for (column, title) in [("model", "Top models"), ("key_alias", "Top keys")] {
            let top = try await store.spend(by: column, filter, limit: 5)
            guard !top.isEmpty else { continue }
            let rows = top.map { line in
                "<tr><td>\(HTML.escape(line.group ?? "—"))</td><td>\(line.requests)</td><td>\(line.tokens)</td><td>\(ConsoleText.dollars(line.spend.dollars))</td></tr>"
            }.joined()
            html += """
                <h2>\(title)</h2><table><thead><tr><th scope="col">\(column == "model" ? "Model" : "Key alias")</th><th scope="col">Requests</th>
                <th scope="col">Tokens</th><th scope="col">Spend</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        return html
    }
}
