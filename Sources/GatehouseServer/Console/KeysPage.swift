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
        let total = try await management.keys.count(search)
        search.after = value("after").flatMap(KeySearch.Cursor.init(text:))
        let keys = try await management.withSpend(try await management.keys.search(search))
        let filters: [(String, String?)] = [
            ("q", search.text), ("team", value("team")), ("user", value("user")), ("status", search.status?.rawValue),
        ]
        var body = toolbar(search, team: value("team"), user: value("user"), viewer: viewer)
        if keys.isEmpty {
            body += "<div class=\"card empty\">\(search.after == nil ? "No keys match." : "No more keys.")</div>"
        } else {
            body += table(keys, viewer: viewer)
        }
        let shown = "\(total) key\(total == 1 ? "" : "s")"
        var pager = "<div class=\"pager\"><span>\(shown)</span><span>"
        if search.after != nil { pager += "<a href=\"\(HTML.escape(Self.link(filters)))\">First page</a> " }
        if keys.count == Self.pageSize, let last = keys.last {
            pager += "<a href=\"\(HTML.escape(Self.link(filters + [("after", KeySearch.Cursor(after: last).text)])))\">Next page →</a>"
        }
        body += pager + "</span></div>"
        let flash = value("done").flatMap(Action.init(rawValue:)).map { ConsoleLayout.Flash(text: $0.done, isError: false) }
        return ConsoleLayout.page("Keys", section: .keys, viewer: viewer, body: body, flash: flash)
    }

    static func link(_ filters: [(String, String?)]) -> String {
        let present = filters.compactMap { name, value in value.map { (name, $0) } }
        return "/ui/keys" + (present.isEmpty ? "" : "?" + FormEncoding.encode(present))
    }

    func toolbar(_ search: KeySearch, team: String?, user: String?, viewer: ConsoleViewer) -> String {
        let statuses = [("", "Any status")] + KeySearch.Status.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
        let options = statuses.map { value, label in
            "<option value=\"\(value)\"\(search.status?.rawValue == value ? " selected" : "")>\(label)</option>"
        }.joined()
        let userFilter =
            viewer.caller.readsEverything
            ? "<label>User <input name=\"user\" value=\"\(HTML.escape(user ?? ""))\" size=\"14\"></label>" : ""
        let create = viewer.caller.isViewer ? "" : "<a class=\"button\" href=\"/ui/keys/new\">New key</a>"
        return """
            <form class="toolbar" method="get" action="/ui/keys" role="search">
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
            let models = key.models.isEmpty ? "All models its owner may use" : key.models.joined(separator: ", ")
            return """
                <tr><td>\(HTML.escape(key.alias ?? "—"))<div class="mono muted">\(HTML.escape(key.id))</div></td>
                <td class="mono">\(HTML.escape(key.display))</td><td>\(HTML.escape(owner.isEmpty ? "—" : owner))</td>
                <td>\(HTML.escape(models))</td><td>\(Self.budget(key))</td><td>\(Self.rates(key.limits))</td>
                <td>\(key.expiresAt.map { HTML.escape(Self.date($0)) } ?? "Never")</td><td>\(status)</td>
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
        <form method="post" action="/ui/keys/\(HTML.escape(FormEncoding.encode(key.id)))/\(action.rawValue)"\
        \(confirm.map { " data-confirm=\"\($0)\"" } ?? "")>\(HTML.hidden("csrf_token", viewer.csrf))\
        <button type="submit" class="small\(action == .delete ? " danger" : " secondary")">\(action.rawValue.capitalized)</button></form>
        """
    }

    static func budget(_ key: VirtualKey) -> String {
        let spent = String(format: "$%.2f", key.spend)
        guard let max = key.limits.maxBudget else { return "\(spent) <span class=\"muted\">no budget</span>" }
        let period = key.limits.budgetDuration.map { " per " + HTML.escape($0) } ?? ""
        return "\(spent) of \(String(format: "$%.2f", max))\(period)"
    }

    static func rates(_ limits: Limits) -> String {
        let parts = [limits.rpmLimit.map { "\($0) req/min" }, limits.tpmLimit.map { "\($0) tokens/min" }].compactMap { $0 }
        return parts.isEmpty ? "<span class=\"muted\">none</span>" : HTML.escape(parts.joined(separator: ", "))
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    // MARK: create

    /// The fields of the new-key form, as typed.
    static let fields = [
        "key_alias", "models_mode", "models", "team_id", "user_id", "max_budget", "budget_duration", "rpm_limit", "tpm_limit", "duration",
    ]

    func form(_ viewer: ConsoleViewer, values: [String: String] = [:], error: (field: String?, message: String)? = nil) async throws -> Response {
        try viewer.caller.requireWriter()
        func field(_ name: String, _ label: String, hint: String, type: String = "text") -> String {
            let invalid = error?.field == name
            return """
                <div class="field\(invalid ? " invalid" : "")"><label for="\(name)">\(label)</label>
                <input id="\(name)" name="\(name)" type="\(type)" value="\(HTML.escape(values[name] ?? ""))"\
                \(invalid ? " aria-invalid=\"true\" aria-describedby=\"\(name)-error\"" : "")>\
                \(invalid ? "<div class=\"error\" id=\"\(name)-error\">\(HTML.escape(error?.message ?? ""))</div>" : "")
                <div class="hint">\(hint)</div></div>
                """
        }
        let these = values["models_mode"] == "these"
        let durations = ["", "1d", "7d", "30d", "1mo"].map { value in
            "<option value=\"\(value)\"\(values["budget_duration"] == value ? " selected" : "")>\(value.isEmpty ? "Never resets" : "Every " + value)</option>"
        }.joined()
        let owner =
            viewer.caller.isAdmin
            ? field("user_id", "User", hint: "The user the key acts for; empty for none.") : ""
        let general =
            (error != nil && error?.field.map(Self.fields.contains) != true) ? ConsoleLayout.Flash(text: error!.message, isError: true) : nil
        let body = """
            <form class="card" method="post" action="/ui/keys/new">\(HTML.hidden("csrf_token", viewer.csrf))
            <div class="form-grid">
            \(field("key_alias", "Alias", hint: "A name to find the key by."))
            \(field("team_id", "Team", hint: "The team the key belongs to; empty for none."))
            \(owner)
            <fieldset class="field"><legend>Models</legend>
            <label><input type="radio" name="models_mode" value="all"\(these ? "" : " checked")> All models its owner may use</label>
            <label><input type="radio" name="models_mode" value="these"\(these ? " checked" : "")> Only these:</label>
            <input name="models" aria-label="Models, separated by commas" value="\(HTML.escape(values["models"] ?? ""))"\
            \(error?.field == "models" ? " aria-invalid=\"true\"" : "")>\
            \(error?.field == "models" ? "<div class=\"error\">\(HTML.escape(error?.message ?? ""))</div>" : "")
            <div class="hint">Separated by commas, e.g. gpt-4o-mini, claude-sonnet.</div></fieldset>
            \(field("max_budget", "Budget (USD)", hint: "Empty for no budget.", type: "number\" step=\"0.01\" min=\"0"))
            <div class="field"><label for="budget_duration">Budget period</label><select id="budget_duration" name="budget_duration">\(durations)</select>
            <div class="hint">When the spend counted against the budget starts again.</div></div>
            \(field("rpm_limit", "Requests per minute", hint: "Empty for no limit.", type: "number\" min=\"0"))
            \(field("tpm_limit", "Tokens per minute", hint: "Empty for no limit.", type: "number\" min=\"0"))
            \(field("duration", "Expires after", hint: "30d, 12h, 1mo…; empty: never."))
            </div>
            <p><button type="submit">Create key</button> <a class="button secondary" href="/ui/keys">Cancel</a></p>
            </form>
            """
        return ConsoleLayout.page("New key", section: .keys, viewer: viewer, body: body, flash: general, status: error == nil ? .ok : .badRequest)
    }

    func create(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        var values: [String: String] = [:]
        for name in Self.fields { values[name] = posted[name]?.trimmingCharacters(in: .whitespaces) }
        let body: JSONValue
        do {
            body = try Self.body(values)
        } catch let error as FieldError {
            return try await form(viewer, values: values, error: (error.field, error.message))
        }
        let changed: Changed
        do {
            changed = try await operations.generate(ManagementCall(principal: viewer.principal, body: try ManagementBody(body)))
        } catch let error as GatewayError where error.status == 400 {
            return try await form(viewer, values: values, error: (error.param ?? "", error.message))
        }
        management.trail.record(changed, action: "key.generate", by: viewer.principal, address: context.clientAddress, request: body, via: "console")
        let raw = changed.answer["key"]?.stringValue ?? ""
        let alias = changed.answer["key_alias"]?.stringValue
        let page = """
            <div class="card"><p>Copy the key now: it is shown this once, and Gatehouse keeps only its hash.</p>
            <div class="secret"><code id="new-key" class="mono">\(HTML.escape(raw))</code>
            <button type="button" class="small secondary" data-copy="new-key">Copy</button></div>
            <p class="muted">\(HTML.escape(alias.map { "Alias: " + $0 } ?? "No alias"))</p>
            <p><a class="button" href="/ui/keys">Back to the keys</a></p></div>
            """
        return ConsoleLayout.page("Key created", section: .keys, viewer: viewer, body: page)
    }

    struct FieldError: Error {
        let field: String
        let message: String
    }

    /// The management API's body for what the form says; numbers checked here, the rest by the
    /// operation.
    static func body(_ values: [String: String]) throws -> JSONValue {
        var body: [String: JSONValue] = [:]
        func text(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
        for name in ["key_alias", "team_id", "user_id", "budget_duration", "duration"] {
            if let value = text(name) { body[name] = .string(value) }
        }
        if values["models_mode"] == "these" {
            let models = (values["models"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            guard !models.isEmpty else { throw FieldError(field: "models", message: "Name at least one model, or choose all models.") }
            body["models"] = .array(models.map(JSONValue.string))
        }
        if let budget = text("max_budget") {
            guard let dollars = Double(budget), dollars.isFinite, dollars >= 0 else {
                throw FieldError(field: "max_budget", message: "A budget is an amount of dollars, like 25 or 12.50.")
            }
            body["max_budget"] = .number(dollars)
        }
        for name in ["rpm_limit", "tpm_limit"] {
            guard let typed = text(name) else { continue }
            guard let number = Int(typed), number >= 0 else { throw FieldError(field: name, message: "A limit is a whole number, 0 or more.") }
            body[name] = JSONValue(number)
        }
        return .object(body)
    }

    // MARK: block, unblock, delete

    func act(
        _ action: Action, on id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext
    ) async throws -> Response {
        let body: JSONValue = action == .delete ? ["keys": [.string(id)]] : ["key": .string(id)]
        let call = ManagementCall(principal: viewer.principal, body: try ManagementBody(body))
        let changed: Changed
        switch action {
        case .block: changed = try await operations.setBlocked(true, call)
        case .unblock: changed = try await operations.setBlocked(false, call)
        case .delete: changed = try await operations.delete(call)
        }
        management.trail.record(
            changed, action: "key." + action.rawValue, by: viewer.principal, address: context.clientAddress, request: body, via: "console")
        return Response(status: .seeOther, headers: [.location: "/ui/keys?done=" + action.rawValue, .cacheControl: "no-store"])
    }
}
