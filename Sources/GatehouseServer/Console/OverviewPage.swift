import Foundation
import GatehouseCore
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
            figures.append((label, "\(count)", KeysPage.link([("status", status?.rawValue)])))
        }
        if viewer.caller.readsEverything {
            figures.append(("Users", "\(try await management.directory.userCount())", ""))
            figures.append(("Teams", "\(try await management.directory.teamCount())", ""))
        }
        let stats = figures.map { label, value, link in
            let figure = link.isEmpty ? HTML.escape(value) : "<a href=\"\(HTML.escape(link))\">\(HTML.escape(value))</a>"
            return "<div class=\"stat\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(figure)</div></div>"
        }.joined()
        let body = """
            <div class="stats">\(stats)</div>
            <div class="card"><p>Signed in as <strong>\(HTML.escape(viewer.name))</strong> with the role
            <strong>\(HTML.escape(viewer.principal.role.rawValue))</strong>. The console shows and offers only what this role may do;
            the management API checks the same rules.</p></div>
            """
        return ConsoleLayout.page("Overview", section: .overview, viewer: viewer, body: body)
    }
}
