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

    func show(_ viewer: ConsoleViewer, range: Range = .month) async throws -> Response {
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
            <div class="stats">\(stats)</div>\(try await activity(viewer, range: range))
            <div class="card"><p>Signed in as <strong>\(HTML.escape(viewer.name))</strong> with the role
            <strong>\(HTML.escape(viewer.principal.role.rawValue))</strong>. The console shows and offers only what this role may do;
            the management API checks the same rules.</p></div>
            """
        return ConsoleLayout.page("Overview", section: .overview, viewer: viewer, body: body)
    }

    /// The stretches the overview looks back over: its bars' width and how many.
    enum Range: String, CaseIterable {
        case hour, day, month

        var title: String {
            switch self {
            case .hour: "The last hour"
            case .day: "The last 24 hours"
            case .month: "The last 30 days"
            }
        }

        /// Milliseconds per bar and how many bars.
        var bars: (width: Int64, count: Int) {
            switch self {
            case .hour: (300_000, 12)
            case .day: (3_600_000, 24)
            case .month: (86_400_000, 30)
            }
        }

        var unit: String {
            switch self {
            case .hour: "5 minutes"
            case .day: "hour"
            case .month: "day"
            }
        }
    }

    /// Requests (errors in red) and spend over the range chosen (the last hour, 24 hours or 30
    /// days), and the models, keys and teams that spent most — everyone's for those who read
    /// everything, else the viewer's own.
    func activity(_ viewer: ConsoleViewer, range: Range) async throws -> String {
        var filter = SpendStore.Filter()
        let (width, count) = range.bars
        let now = Int64(Date().timeIntervalSince1970 * 1000) / width
        filter.from = Date(timeIntervalSince1970: Double((now - Int64(count) + 1) * width) / 1000)
        if !viewer.caller.readsEverything { filter.userID = viewer.principal.userID ?? "" }
        let store = await management.spend.settled()
        let byBar = Dictionary(uniqueKeysWithValues: try await store.buckets(filter, milliseconds: width).map { ($0.day, $0) })
        let bars = (Int(now) - count + 1...Int(now)).map { bar in
            byBar[bar] ?? SpendStore.Day(day: bar, requests: 0, errors: 0, spend: .zero)
        }
        let requests = bars.reduce(0) { $0 + $1.requests }
        let errors = bars.reduce(0) { $0 + $1.errors }
        let spend = bars.reduce(USD.zero) { $0 + $1.spend }
        func label(_ bar: Int) -> String {
            let start = Date(timeIntervalSince1970: Double(Int64(bar) * width) / 1000)
            return range == .month ? ConsoleText.day(start) : ConsoleText.time(start)
        }
        let requestBars = bars.map {
            ConsoleChart.Bar(
                label: label($0.day), value: Double($0.requests), alarm: Double($0.errors), caption: "\($0.requests) requests, \($0.errors) errors")
        }
        let spendBars = bars.map { ConsoleChart.Bar(label: label($0.day), value: $0.spend.dollars, caption: ConsoleText.dollars($0.spend.dollars)) }
        let scope = viewer.caller.readsEverything ? "everyone's" : "your own"
        let choices = Range.allCases.map { option in
            option == range
                ? "<span aria-current=\"true\"><strong>\(option.title)</strong></span>"
                : "<a href=\"ui?range=\(option.rawValue)\">\(option.title)</a>"
        }.joined(separator: " · ")
        var html = """
            <h2>\(range.title) (\(scope))</h2><p class="muted">\(choices)</p>
            <div class="stats"><div class="stat"><div class="label">Requests</div><div class="value">\(requests)</div></div>
            <div class="stat"><div class="label">Errors</div><div class="value">\(errors)</div></div>
            <div class="stat"><div class="label">Spend</div><div class="value">\(ConsoleText.dollars(spend.dollars))</div></div></div>
            <div class="charts"><div class="card"><p><strong>Requests by \(range.unit)</strong> <span class="legend">(errors in red)</span></p>
            \(ConsoleChart.bars(requestBars, title: "Requests by \(range.unit), \(range.title.lowercased())"))</div>
            <div class="card"><p><strong>Spend by \(range.unit)</strong></p>\(ConsoleChart.bars(spendBars, title: "Spend by \(range.unit), \(range.title.lowercased())"))</div></div>
            """
        for (column, title) in [("model", "Top models"), ("key_alias", "Top keys"), ("team_id", "Top teams")] {
            let top = try await store.spend(by: column, filter, limit: 5)
            guard !top.isEmpty else { continue }
            let rows = top.map { line in
                "<tr><td>\(HTML.escape(line.group ?? "—"))</td><td>\(line.requests)</td><td>\(line.tokens)</td><td>\(ConsoleText.dollars(line.spend.dollars))</td></tr>"
            }.joined()
            html += """
                <h2>\(title)</h2><table><thead><tr><th scope="col">\(["model": "Model", "key_alias": "Key alias"][column] ?? "Team")</th><th scope="col">Requests</th>
                <th scope="col">Tokens</th><th scope="col">Spend</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        return html
    }
}
