import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// The console's users, for proxy admins and viewers: the list (paged and counted by the store,
/// filtered by role), a form to create one (with a password to sign in with, or none for
/// single sign-on), and delete — through `UserRoutes`, the management API's own operations.
struct UsersPage: Sendable {
    let console: Console
    var management: Management { console.management }
    var operations: UserRoutes { UserRoutes(management: management) }
    static let pageSize = 50
    static let done = ["created": "The user is created.", "deleted": "The user is deleted, with their keys.", "updated": "Saved."]
    static let roles: [(String, String)] = [
        ("internal_user", "Internal user"), ("internal_user_viewer", "Internal user (viewer)"), ("proxy_admin", "Proxy admin"),
        ("proxy_admin_viewer", "Proxy admin (viewer)"),
    ]

    func list(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        try viewer.caller.requireReader("list users")
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var search = DirectorySearch()
        search.text = value("q")
        search.role = value("role").flatMap(Principal.Role.init(rawValue:))
        search.limit = Self.pageSize
        let total = try await management.directory.userCount(search)
        search.after = value("after")
        let users = try await management.spend.overlay(try await management.directory.users(search))
        let role = search.role
        let roleOptions = ([("", "Any role")] + Self.roles).map { value, label in
            "<option value=\"\(value)\"\(role?.rawValue == value ? " selected" : "")>\(label)</option>"
        }.joined()
        var body = """
            <form class="toolbar" method="get" action="ui/users" role="search">
            <label>Search <input name="q" type="search" value="\(HTML.escape(search.text ?? ""))" placeholder="Id, email or name"></label>
            <label>Role <select name="role">\(roleOptions)</select></label>
            <button type="submit" class="secondary">Filter</button><span class="spacer"></span>\
            \(viewer.caller.isAdmin ? "<a class=\"button\" href=\"ui/users/new\">New user</a>" : "")</form>
            """
        if users.isEmpty {
            body += "<div class=\"card empty\">\(search.after == nil ? "No users match." : "No more users.")</div>"
        } else {
            let rows = users.map { user in
                let delete =
                    viewer.caller.isAdmin
                    ? """
                    <form method="post" action="ui/users/\(HTML.escape(FormEncoding.encode(user.id)))/delete" \
                    data-confirm="Delete \(HTML.escape(user.id)) and all their keys?">\(HTML.hidden("csrf_token", viewer.csrf))\
                    <button type="submit" class="small danger">Delete</button></form>
                    """ : ""
                return """
                    <tr><td><a href="ui/users/\(HTML.escape(FormEncoding.encode(user.id)))">\(HTML.escape(user.id))</a></td><td>\(HTML.escape(user.email ?? "—"))</td><td>\(HTML.escape(user.role.rawValue))</td>
                    <td>\(ConsoleText.budget(spend: user.spend, user.limits))</td><td>\(HTML.escape(ConsoleText.day(user.createdAt)))</td>
                    <td class="actions"><a class="button small secondary" href="ui/keys?user=\(HTML.escape(FormEncoding.encode(user.id)))">Keys</a> \(delete)</td></tr>
                    """
            }.joined()
            body += """
                <table><thead><tr><th scope="col">User</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Spend / budget</th>
                <th scope="col">Created</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        body += ConsoleText.keysetPager(
            total: total, noun: "user", path: "ui/users", filters: [("q", search.text), ("role", role?.rawValue)], paged: search.after != nil,
            next: users.count == Self.pageSize ? users.last?.id : nil)
        let flash = query.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Users", section: .users, viewer: viewer, body: body, flash: flash)
    }

    /// One user: who they are, their teams and keys, every level of their limits; changing and
    /// deleting them for proxy admins.
    func show(_ id: String, _ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        try viewer.caller.requireReader("read users")
        let user = try await management.spend.overlay(try await management.user(id))
        let teams = try await management.directory.memberships(userID: id).sorted { $0.key < $1.key }
        let keys = try await management.keys.count(AccountPage.own(id))
        let encoded = HTML.escape(FormEncoding.encode(id))
        let teamLinks = teams.map { team, role in
            "<a href=\"ui/teams/\(HTML.escape(FormEncoding.encode(team)))\">\(HTML.escape(team))</a>\(role == .admin ? " (team admin)" : "")"
        }
        var body = """
            <div class="card"><p><strong>\(HTML.escape(user.alias ?? user.id))</strong> <span class="mono muted">\(HTML.escape(user.id))</span>
            · \(HTML.escape(user.role.rawValue)) · \(HTML.escape(user.email ?? "no email"))</p>
            <p>Teams: \(teamLinks.isEmpty ? "none" : teamLinks.joined(separator: ", ")). Organization: \(HTML.escape(user.organizationID ?? "none")).
            Models: \(HTML.escape(ModelAccess.describe(user.models, all: "all their teams and organization allow"))).
            Keys: <a href="ui/keys?user=\(encoded)">\(keys)</a>. Spend: \(ConsoleText.budget(spend: user.spend, user.limits)).</p>
            \(viewer.caller.isAdmin ? "<p><a class=\"button secondary\" href=\"ui/users/\(encoded)/edit\">Change name, models and limits</a></p>" : "")</div>
            """
        body += try await console.limitsPanel.chain(user: id, organization: user.organizationID)
        let flash = request.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("User \(user.alias ?? user.id)", section: .users, viewer: viewer, body: body, flash: flash)
    }

    static let fields = ["user_id", "user_email", "user_role", "password", "max_budget", "budget_duration"]

    func form(_ viewer: ConsoleViewer, values: [String: String] = [:], error: ConsoleForm.FieldError? = nil) async throws -> Response {
        try viewer.caller.requireAdmin("create users")
        var typed = values
        typed["password"] = nil  // never sent back
        func field(_ name: String, _ label: String, hint: String, type: String = "text", attributes: String = "") -> String {
            ConsoleForm.field(name, label, hint: hint, type: type, values: typed, error: error, attributes: attributes)
        }
        let fields = """
            \(field("user_id", "Id", hint: "How the user signs in; empty: one is made up."))
            \(field("user_email", "Email", hint: "Also signs them in; must be unique.", type: "email"))
            \(ConsoleForm.select("user_role", "Role", hint: "What they may do in the console and the API.", options: Self.roles, values: values))
            \(field("password", "Password", hint: "At least 12 characters; empty for none (single sign-on).", type: "password", attributes: " autocomplete=\"new-password\""))
            \(field("max_budget", "Budget (USD)", hint: "Across all their keys; empty for none.", type: "number", attributes: " step=\"0.01\" min=\"0\""))
            \(ConsoleForm.select("budget_duration", "Budget period", hint: "When their spend starts again.", options: ConsoleForm.budgetPeriods, values: values))
            """
        return ConsoleForm.page(
            "New user", section: .users, viewer: viewer, action: "ui/users/new", fields: fields, known: Self.fields, submit: "Create user",
            cancel: "ui/users", error: error)
    }

    func create(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        try await console.submit(
            posted, fields: Self.fields, text: ["user_id", "user_email", "user_role", "budget_duration"], action: "user.new", viewer, context,
            adjust: { body in
                body["auto_create_key"] = false
                if let password = posted["password"], !password.isEmpty { body["password"] = .string(password) }
            }, operation: { try await operations.new($0) }, again: { try await form(viewer, values: $0, error: $1) }
        ) { _ in viewer.back(to: "/ui/users", done: "created") }
    }

    func delete(user id: String, _ viewer: ConsoleViewer, _ context: GatewayRequestContext) async throws -> Response {
        _ = try await console.perform("user.delete", ["user_ids": [.string(id)]], viewer, context) { try await operations.delete($0) }
        return viewer.back(to: "/ui/users", done: "deleted")
    }
}
