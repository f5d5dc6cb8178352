import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird

/// The console's keys: a list searched, filtered and paged by the store (keyset paging, newest
/// first, the total counted by the store), a form to create one (the key shown once, with a
/// copy button), and block, unblock and delete — each through `KeyRoutes`, the management API's
/// own operations.
struct KeysPage: Sendable {
    let console: Console
    var management: Management { console.management }
    var operations: KeyRoutes { KeyRoutes(management: management) }
    static let pageSize = 50
    static let periodHint = "When the spend counted against the budget starts again."

    enum Action: String, CaseIterable, Sendable {
        case block, unblock, delete

        var done: String {
            switch self {
            case .block: "The key is blocked: it is refused from now on, on every instance."
            case .unblock: "The key is unblocked."
            case .delete: "The key is deleted."
            }
        }
    }

    // MARK: list

    func list(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        let (userID, teamID) = try await operations.listable(viewer.caller, userID: value("user"), teamID: value("team"))
        var search = KeySearch()
        search.text = value("q")
        search.userID = userID
        search.teamID = teamID
        search.status = value("status").flatMap(KeySearch.Status.init(rawValue:))
        search.limit = Self.pageSize
        search.after = value("after").flatMap(KeySearch.Cursor.init(text:))
        let (page, total) = try await management.keys.find(search)
        let keys = try await management.withSpend(page)
        let filters: [(String, String?)] = [
            ("q", search.text), ("team", value("team")), ("user", value("user")), ("status", search.status?.rawValue),
        ]
        var body = toolbar(search, team: value("team"), user: value("user"), viewer: viewer)
        if keys.isEmpty {
            body += "<div class=\"card empty\">\(search.after == nil ? "No keys match." : "No more keys.")</div>"
        } else {
            body += table(keys, viewer: viewer)
        }
        let next = keys.count == Self.pageSize ? keys.last.map { KeySearch.Cursor(after: $0).text } : nil
        body += ConsoleText.keysetPager(total: total, noun: "key", path: "ui/keys", filters: filters, paged: search.after != nil, next: next)
        // What was just done: a button of the list, or the edit page's save.
        let done = value("done").flatMap { Action(rawValue: $0)?.done ?? ($0 == "updated" ? "The key is changed." : nil) }
        let flash = done.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Keys", section: .keys, viewer: viewer, body: body, flash: flash)
    }

    func toolbar(_ search: KeySearch, team: String?, user: String?, viewer: ConsoleViewer) -> String {
        let statuses = [("", "Any status")] + KeySearch.Status.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
        let options = statuses.map { value, label in
            "<option value=\"\(value)\"\(search.status?.rawValue == value ? " selected" : "")>\(label)</option>"
        }.joined()
        let userFilter =
            viewer.caller.readsEverything
            ? "<label>User <input name=\"user\" value=\"\(HTML.escape(user ?? ""))\" size=\"14\"></label>" : ""
        let create = viewer.caller.isViewer ? "" : "<a class=\"button\" href=\"ui/keys/new\">New key</a>"
        return """
            <form class="toolbar" method="get" action="ui/keys" role="search">
            <label>Search <input name="q" type="search" value="\(HTML.escape(search.text ?? ""))" placeholder="Alias or id"></label>
            <label>Team <input name="team" value="\(HTML.escape(team ?? ""))" size="14"></label>\(userFilter)
            <label>Status <select name="status">\(options)</select></label>
            <button type="submit" class="secondary">Filter</button><span class="spacer"></span>\(create)
            </form>
            """
    }

    func table(_ keys: [VirtualKey], viewer: ConsoleViewer) -> String {
        let now = Date()
        let rows = keys.map { key -> String in
            let status: String
            if key.blocked {
                status = "<span class=\"badge blocked\">Blocked</span>"
            } else if let expires = key.expiresAt, expires <= now {
                status = "<span class=\"badge blocked\">Expired</span>"
            } else if let expires = key.expiresAt, expires.timeIntervalSince(now) < 7 * 86_400 {
                status = "<span class=\"badge warn\">Expiring</span>"
            } else {
                status = "<span class=\"badge ok\">Active</span>"
            }
            let owner = [key.userID.map { "user " + $0 }, key.teamID.map { "team " + $0 }].compactMap { $0 }.joined(separator: ", ")
            let models = ModelAccess.describe(key.models, all: "All models its owner may use")
            return """
                <tr><td>\(HTML.escape(key.alias ?? "—"))<div class="mono muted">\(HTML.escape(key.id))</div></td>
                <td class="mono">\(HTML.escape(key.display))</td><td>\(HTML.escape(owner.isEmpty ? "—" : owner))</td>
                <td>\(HTML.escape(models))</td><td>\(ConsoleText.budget(spend: key.spend, key.limits))</td><td>\(ConsoleText.rates(key.limits))</td>
                <td>\(key.expiresAt.map { HTML.escape(ConsoleText.day($0)) } ?? "Never")</td><td>\(status)</td>
                <td class="actions">\(actions(key, viewer: viewer))</td></tr>
                """
        }.joined()
        return """
            <table><thead><tr><th scope="col">Alias</th><th scope="col">Key</th><th scope="col">Owner</th><th scope="col">Models</th>
            <th scope="col">Spend / budget</th><th scope="col">Rate limits</th><th scope="col">Expires</th><th scope="col">Status</th>
            <th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    /// Only what the operations would allow this viewer (they check again when it is posted).
    func actions(_ key: VirtualKey, viewer: ConsoleViewer) -> String {
        let caller = viewer.caller
        guard !caller.isViewer else { return "" }
        var html = ""
        if caller.isAdmin || caller.administers(team: key.teamID) || caller.isSelf(key.userID) {
            html += "<a class=\"button small secondary\" href=\"ui/keys/\(HTML.escape(FormEncoding.encode(key.id)))/edit\">Edit</a> "
        }
        let label = HTML.escape(key.alias ?? key.display)
        if caller.isAdmin || caller.administers(team: key.teamID) {
            let action: Action = key.blocked ? .unblock : .block
            html += button(action, key, viewer, confirm: key.blocked ? nil : "Block \(label)? Requests with it are refused at once.")
        }
        if caller.isAdmin || caller.administers(team: key.teamID) || caller.isSelf(key.userID) {
            html += button(.delete, key, viewer, confirm: "Delete \(label)? This cannot be undone.")
        }
        return html
    }

    func button(_ action: Action, _ key: VirtualKey, _ viewer: ConsoleViewer, confirm: String?) -> String {
        """
        <form method="post" action="ui/keys/\(HTML.escape(FormEncoding.encode(key.id)))/\(action.rawValue)"\
        \(confirm.map { " data-confirm=\"\($0)\"" } ?? "")>\(HTML.hidden("csrf_token", viewer.csrf))\
        <button type="submit" class="small\(action == .delete ? " danger" : " secondary")">\(action.rawValue.capitalized)</button></form>
        """
    }

    // MARK: create

    /// The fields of the new-key form, as typed.
    static let fields = [
        "key_alias", "models_mode", "models", "team_id", "user_id", "max_budget", "budget_duration", "rpm_limit", "tpm_limit", "duration",
        "allowed_ips", "allowed_routes",
    ]

    func form(_ viewer: ConsoleViewer, values: [String: String] = [:], error: ConsoleForm.FieldError? = nil) async throws -> Response {
        try viewer.caller.requireWriter()
        func field(_ name: String, _ label: String, hint: String, type: String = "text", attributes: String = "") -> String {
            ConsoleForm.field(name, label, hint: hint, type: type, values: values, error: error, attributes: attributes)
        }
        let fields = """
            \(field("key_alias", "Alias", hint: "A name to find the key by."))
            \(field("team_id", "Team", hint: "The team the key belongs to; empty for none."))
            \(viewer.caller.isAdmin ? field("user_id", "User", hint: "The user the key acts for; empty for none.") : "")
            \(ConsoleForm.limits(values: values, error: error, allModels: "All models its owner may use", period: Self.periodHint))
            \(field("duration", "Expires after", hint: "30d, 12h, 1mo…; empty: never."))
            \(ConsoleForm.reach(values: values, error: error))
            """
        return ConsoleForm.page(
            "New key", section: .keys, viewer: viewer, action: "ui/keys/new", fields: fields, known: Self.fields, submit: "Create key",
            cancel: "ui/keys", error: error)
    }

    func create(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        try await console.submit(
            posted, fields: Self.fields, text: ["key_alias", "team_id", "user_id", "budget_duration", "duration"], action: "key.generate", viewer,
            context, operation: { try await operations.generate($0) }, again: { try await form(viewer, values: $0, error: $1) }
        ) { changed in
            let raw = changed.answer["key"]?.stringValue ?? ""
            let alias = changed.answer["key_alias"]?.stringValue
            let page = """
                <div class="card"><p>Copy the key now: it is shown this once, and Gatehouse keeps only its hash.</p>
                <div class="secret"><code id="new-key" class="mono">\(HTML.escape(raw))</code>
                <button type="button" class="small secondary" data-copy="new-key">Copy</button></div>
                <p class="muted">\(HTML.escape(alias.map { "Alias: " + $0 } ?? "No alias"))</p>
                <p><a class="button" href="ui/keys">Back to the keys</a></p></div>
                """
            return ConsoleLayout.page("Key created", section: .keys, viewer: viewer, body: page)
        }
    }

    // MARK: block, unblock, delete

    func act(
        _ action: Action, on id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext
    ) async throws -> Response {
        let body: JSONValue = action == .delete ? ["keys": [.string(id)]] : ["key": .string(id)]
        _ = try await console.perform("key." + action.rawValue, body, viewer, context) { call in
            switch action {
            case .block: try await operations.setBlocked(true, call)
            case .unblock: try await operations.setBlocked(false, call)
            case .delete: try await operations.delete(call)
            }
        }
        return viewer.back(to: "/ui/keys", done: action.rawValue)
    }
}
