import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// The console's teams: the list (every team for proxy admins and viewers, paged by the store;
/// a member's own teams otherwise), a form to create one, a team's page with its members, and
/// adding, removing and deleting — through `TeamRoutes`, the management API's own operations.
struct TeamsPage: Sendable {
    let console: Console
    var management: Management { console.management }
    var operations: TeamRoutes { TeamRoutes(management: management) }
    static let pageSize = 50

    static let done = [
        "created": "The team is created.", "deleted": "The team is deleted, with its keys.", "member_added": "The member is added.",
        "member_removed": "The member is removed.", "updated": "Saved.",
    ]

    func list(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        let caller = viewer.caller
        var search = DirectorySearch()
        search.text = value("q")
        search.limit = Self.pageSize
        let teams: [Team]
        let total: Int
        if caller.readsEverything {
            total = try await management.directory.teamCount(search)
            search.after = value("after")
            teams = try await management.directory.teams(search)
        } else {
            // A member's own teams: few, filtered here.
            let text = search.text?.lowercased()
            teams = try await management.directory.teams(ids: caller.memberships.keys.sorted()).filter { team in
                text.map { team.id.lowercased().contains($0) || (team.alias?.lowercased().contains($0) ?? false) } ?? true
            }
            total = teams.count
        }
        let withSpend = try await management.spend.overlay(teams)
        var body = """
            <form class="toolbar" method="get" action="ui/teams" role="search">
            <label>Search <input name="q" type="search" value="\(HTML.escape(search.text ?? ""))" placeholder="Id or name"></label>
            <button type="submit" class="secondary">Filter</button><span class="spacer"></span>\
            \(caller.isAdmin ? "<a class=\"button\" href=\"ui/teams/new\">New team</a>" : "")</form>
            """
        if withSpend.isEmpty {
            body += "<div class=\"card empty\">\(caller.readsEverything ? "No teams yet." : "You belong to no team.")</div>"
        } else {
            let rows = withSpend.map { team in
                let admins = team.members.filter { $0.role == .admin }.map(\.userID)
                return """
                    <tr><td><a href="ui/teams/\(HTML.escape(FormEncoding.encode(team.id)))">\(HTML.escape(team.alias ?? team.id))</a>
                    <div class="mono muted">\(HTML.escape(team.id))</div></td>
                    <td>\(team.members.count)\(admins.isEmpty ? "" : " <span class=\"muted\">(admins: \(HTML.escape(admins.joined(separator: ", "))))</span>")</td>
                    <td>\(HTML.escape(ModelAccess.describe(team.models, all: "All models")))</td>
                    <td>\(ConsoleText.budget(spend: team.spend, team.limits))</td><td>\(ConsoleText.rates(team.limits))</td>
                    <td>\(team.blocked ? "<span class=\"badge blocked\">Blocked</span>" : "<span class=\"badge ok\">Active</span>")</td></tr>
                    """
            }.joined()
            body += """
                <table><thead><tr><th scope="col">Team</th><th scope="col">Members</th><th scope="col">Models</th>
                <th scope="col">Spend / budget</th><th scope="col">Rate limits</th><th scope="col">Status</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        body += ConsoleText.keysetPager(
            total: total, noun: "team", path: "ui/teams", filters: [("q", search.text)], paged: search.after != nil,
            next: caller.readsEverything && teams.count == Self.pageSize ? teams.last?.id : nil)
        let flash = query.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Teams", section: .teams, viewer: viewer, body: body, flash: flash)
    }

    // MARK: one team

    func show(_ id: String, _ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let caller = viewer.caller
        guard caller.readsEverything || caller.belongs(to: id) else { throw GatewayError.managementForbidden("You are not in team \(id).") }
        let team = try await management.spend.overlay(try await management.team(id))
        let manages = caller.isAdmin || caller.administers(team: id)
        let encoded = HTML.escape(FormEncoding.encode(id))
        let rows = team.members.map { member in
            let remove =
                manages
                ? """
                <form method="post" action="ui/teams/\(encoded)/remove" data-confirm="Remove \(HTML.escape(member.userID)) from the team?">\
                \(HTML.hidden("csrf_token", viewer.csrf))\(HTML.hidden("user_id", member.userID))\
                <button type="submit" class="small danger">Remove</button></form>
                """ : ""
            return "<tr><td>\(HTML.escape(member.userID))</td><td>\(HTML.escape(member.role.rawValue))</td><td class=\"actions\">\(remove)</td></tr>"
        }.joined()
        var body = """
            <div class="card"><p><strong>\(HTML.escape(team.alias ?? team.id))</strong> <span class="mono muted">\(HTML.escape(team.id))</span></p>
            <p>Models: \(HTML.escape(ModelAccess.describe(team.models, all: "all models"))). Spend:
            \(ConsoleText.budget(spend: team.spend, team.limits)). Rate limits: \(ConsoleText.rates(team.limits)).</p>
            <p><a href="ui/keys?team=\(encoded)">The team's keys</a></p>
            \(caller.isAdmin ? "<p><a class=\"button secondary\" href=\"ui/teams/\(encoded)/edit\">Change name, models and limits</a></p>" : "")</div>
            """
        body += try await console.limitsPanel.chain(team: id, organization: team.organizationID)
        body += "<h2>Members</h2>"
        body +=
            team.members.isEmpty
            ? "<div class=\"card empty\">No members yet.</div>"
            : "<table><thead><tr><th scope=\"col\">User</th><th scope=\"col\">Role</th><th scope=\"col\"><span class=\"muted\">Actions</span></th></tr></thead><tbody>\(rows)</tbody></table>"
        if manages {
            body += """
                <h2>Add a member</h2>
                <form class="card toolbar" method="post" action="ui/teams/\(encoded)/add">\(HTML.hidden("csrf_token", viewer.csrf))
                <label>User id or email <input name="user_id" required></label>
                <label>Role <select name="role"><option value="user">Member</option><option value="admin">Team admin</option></select></label>
                <button type="submit">Add</button></form>
                """
        }
        if caller.isAdmin {
            body += """
                <h2>Delete</h2><form method="post" action="ui/teams/\(encoded)/delete" data-confirm="Delete this team and all its keys?">\
                \(HTML.hidden("csrf_token", viewer.csrf))<button type="submit" class="danger">Delete the team and its keys</button></form>
                """
        }
        let flash = request.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Team \(team.alias ?? team.id)", section: .teams, viewer: viewer, body: body, flash: flash)
    }

    func member(
        _ adding: Bool, team id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext
    ) async throws
        -> Response
    {
        let user = posted["user_id"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !user.isEmpty else { throw GatewayError.badRequest("Name the user.", param: "user_id") }
        let named: JSONValue = user.contains("@") ? ["user_email": .string(user)] : ["user_id": .string(user)]
        if adding {
            var member = named
            member["role"] = .string(posted["role"] == "admin" ? "admin" : "user")
            _ = try await console.perform("team.member_add", ["team_id": .string(id), "member": [member]], viewer, context) {
                try await operations.addMembers($0)
            }
        } else {
            var body = named
            body["team_id"] = .string(id)
            _ = try await console.perform("team.member_delete", body, viewer, context) { try await operations.deleteMember($0) }
        }
        return viewer.back(to: "/ui/teams/" + FormEncoding.encode(id), done: adding ? "member_added" : "member_removed")
    }

    func delete(team id: String, _ viewer: ConsoleViewer, _ context: GatewayRequestContext) async throws -> Response {
        _ = try await console.perform("team.delete", ["team_ids": [.string(id)]], viewer, context) { try await operations.delete($0) }
        return viewer.back(to: "/ui/teams", done: "deleted")
    }

    // MARK: create

    static let fields = ["team_alias", "team_id", "models_mode", "models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit"]

    func form(_ viewer: ConsoleViewer, values: [String: String] = [:], error: ConsoleForm.FieldError? = nil) async throws -> Response {
        try viewer.caller.requireAdmin("create teams")
        func field(_ name: String, _ label: String, hint: String, type: String = "text", attributes: String = "") -> String {
            ConsoleForm.field(name, label, hint: hint, type: type, values: values, error: error, attributes: attributes)
        }
        let fields = """
            \(field("team_alias", "Name", hint: "What people call the team."))
            \(field("team_id", "Id", hint: "Empty: one is made up."))
            \(ConsoleForm.limits(
                values: values, error: error, allModels: "All models", whose: "For the whole team; ", period: "When the team's spend starts again."))
            """
        return ConsoleForm.page(
            "New team", section: .teams, viewer: viewer, action: "ui/teams/new", fields: fields, known: Self.fields, submit: "Create team",
            cancel: "ui/teams", error: error)
    }

    func create(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        try await console.submit(
            posted, fields: Self.fields, text: ["team_alias", "team_id", "budget_duration"], action: "team.new", viewer, context,
            operation: { try await operations.new($0) }, again: { try await form(viewer, values: $0, error: $1) }
        ) { changed in
            viewer.back(to: "/ui/teams/" + FormEncoding.encode(changed.answer["team_id"]?.stringValue ?? ""), done: "created")
        }
    }
}
