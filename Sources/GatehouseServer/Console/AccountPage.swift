import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import HTTPTypes
import Hummingbird

/// "My account": the signed-in person's role, spend against their budget and limits, their teams
/// and keys, and how to point the OpenAI SDK, Claude Code and Codex at this gateway.
struct AccountPage: Sendable {
    let console: Console
    var management: Management { console.management }

    static let done = [
        "password": "Your password is changed; every other session of yours has ended.", "sessions": "Your other sessions have ended.",
    ]

    func show(
        _ viewer: ConsoleViewer, request: Request? = nil, flash given: ConsoleLayout.Flash? = nil, status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        let base = console.publicURL
        var body = ""
        if let userID = viewer.principal.userID, let stored = try await management.directory.user(id: userID) {
            let user = try await management.spend.overlay(stored)
            let teams = try await management.directory.memberships(userID: userID)
            let keys = try await management.keys.count(Self.own(userID))
            let teamList = teams.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) (\($0.value == .admin ? "team admin" : "member"))" }
            body += """
                <div class="stats">
                <div class="stat"><div class="label">Role</div><div class="value">\(HTML.escape(user.role.rawValue))</div></div>
                <div class="stat"><div class="label">Spend</div><div class="value">\(ConsoleText.budget(spend: user.spend, user.limits))</div></div>
                <div class="stat"><div class="label">Rate limits</div><div class="value">\(ConsoleText.rates(user.limits))</div></div>
                <div class="stat"><div class="label">Your keys</div><div class="value"><a href="ui/keys?user=\(HTML.escape(FormEncoding.encode(userID)))">\(keys)</a></div></div>
                </div>
                <div class="card"><p>Email: \(HTML.escape(user.email ?? "none")). Teams: \(teamList.isEmpty ? "none" : teamList.joined(separator: ", ")).
                Models: \(HTML.escape(ModelAccess.describe(user.models, all: "all the models your teams and organization allow"))).</p></div>
                """
            body += try await console.limitsPanel.chain(user: userID, organization: user.organizationID)
        } else {
            body += "<div class=\"card\"><p>Signed in with the master key, as the proxy admin. It has no account of its own.</p></div>"
        }
        let snippets = [
            (
                "OpenAI SDK (Python)",
                "from openai import OpenAI\nclient = OpenAI(base_url=\"\(base)/v1\", api_key=\"YOUR_KEY\")\nprint(client.chat.completions.create(model=\"MODEL\", messages=[{\"role\": \"user\", \"content\": \"Hello\"}]).choices[0].message.content)"
            ),
            ("Claude Code", "export ANTHROPIC_BASE_URL=\(base)\nexport ANTHROPIC_AUTH_TOKEN=YOUR_KEY   # or: $(gatehouse token)\nclaude"),
            ("Codex", "export OPENAI_BASE_URL=\(base)/v1\nexport OPENAI_API_KEY=YOUR_KEY\ncodex"),
            ("A token for your terminal instead of a key", "gatehouse login --url \(base)\nexport OPENAI_API_KEY=$(gatehouse token)"),
        ]
        body +=
            "<h2>Use the gateway</h2><p class=\"muted\">Create a key on the <a href=\"ui/keys\">keys</a> page and put it in place of YOUR_KEY.</p>"
        for (index, (title, text)) in snippets.enumerated() {
            body += """
                <div class="card"><p><strong>\(HTML.escape(title))</strong>
                <button type="button" class="small secondary" data-copy="setup-\(index)">Copy</button></p>
                <pre class="mono" id="setup-\(index)">\(HTML.escape(text))</pre></div>
                """
        }
        if let userID = viewer.principal.userID { body += try await sessions(userID, viewer) }
        let flash = given ?? request?.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("My account", section: .account, viewer: viewer, body: body, flash: flash, status: status)
    }

    /// The person's sessions (this browser's marked), signing out everywhere else, and the
    /// password change form.
    func sessions(_ userID: String, _ viewer: ConsoleViewer) async throws -> String {
        let current = viewer.token.storageID
        let rows = try await management.store.logins.sessions(userID: userID).map { session in
            """
            <tr><td>\(HTML.escape(ConsoleText.time(session.createdAt)))\(session.id == current ? " <span class=\"badge ok\">this browser</span>" : "")</td>
            <td>\(HTML.escape(ConsoleText.time(session.lastSeenAt)))</td><td class="mono">\(HTML.escape(session.address ?? "—"))</td>
            <td>\(HTML.escape(ConsoleText.time(session.expiresAt)))</td></tr>
            """
        }
        return """
            <h2>Your sessions</h2>
            \(ConsoleText.table(["Signed in", "Last used", "From", "Ends"], rows, empty: "No session."))
            <form method="post" action="ui/account/sessions/end" data-confirm="Sign out of every other browser?">\(HTML.hidden("csrf_token", viewer.csrf))\
            <button type="submit" class="secondary">Sign out everywhere else</button></form>
            <h2>Change your password</h2>
            <form class="card" method="post" action="ui/account/password">\(HTML.hidden("csrf_token", viewer.csrf))
            <input type="text" name="username" value="\(HTML.escape(userID))" autocomplete="username" hidden>
            <div class="form-grid">
            <div class="field"><label for="current_password">Current password</label>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required></div>
            <div class="field"><label for="new_password">New password</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="12">
            <div class="hint">At least 12 characters. Every other session of yours ends.</div></div>
            <div class="field"><label for="new_password_again">New password again</label>
            <input id="new_password_again" name="new_password_again" type="password" autocomplete="new-password" required></div>
            </div><p><button type="submit">Change password</button></p></form>
            """
    }

    /// Changes the signed-in person's password (`SessionRoutes.changePassword`: the current one
    /// proven, lockout counted, every session ended) and hands this browser its new session.
    func changePassword(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        guard let userID = viewer.principal.userID else {
            throw GatewayError.badRequest("Signed in with the master key: there is no password to change here.")
        }
        let new = posted["new_password"] ?? ""
        guard new == posted["new_password_again"] else {
            return try await show(viewer, flash: .init(text: "The two new passwords differ.", isError: true), status: .badRequest)
        }
        let token: SessionToken
        do {
            (token, _) = try await console.signIn.changePassword(
                of: viewer.principal, userID: userID, current: posted["current_password"] ?? "", new: new, address: context.clientAddress)
        } catch let refusal as GatewayError where [400, 403, 429].contains(refusal.status) {
            return try await show(
                viewer, flash: .init(text: refusal.message, isError: true), status: HTTPResponse.Status(code: refusal.status))
        }
        var response = viewer.back(to: "/ui/account", done: "password")
        response.headers[.setCookie] = console.sessions.cookie.setting(token, seconds: Int(saturating: console.sessions.authenticator.lifetime))
        return response
    }

    func endOtherSessions(_ viewer: ConsoleViewer, _ context: GatewayRequestContext) async throws -> Response {
        guard let userID = viewer.principal.userID else { throw GatewayError.badRequest("The master key's sign-in has no other sessions.") }
        let ended = try await management.store.logins.deleteSessions(userID: userID, except: viewer.token.storageID)
        management.trail.record(
            AuditEvent(
                action: .authLogout, actor: viewer.principal.id, about: .user(userID), outcome: .success, address: context.clientAddress,
                details: ["sessions_ended": JSONValue(ended), "kept": "this browser", "via": "console"]))
        return viewer.back(to: "/ui/account", done: "sessions")
    }

    static func own(_ userID: String) -> KeySearch {
        var search = KeySearch()
        search.userID = userID
        return search
    }
}
