import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// "My account": the signed-in person's role, spend against their budget and limits, their teams
/// and keys, and how to point the OpenAI SDK, Claude Code and Codex at this gateway.
struct AccountPage: Sendable {
    let console: Console
    var management: Management { console.management }

    func show(_ viewer: ConsoleViewer) async throws -> Response {
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
                Models: \(HTML.escape(user.models.isEmpty ? "all the models your teams and organization allow" : user.models.joined(separator: ", "))).</p></div>
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
        return ConsoleLayout.page("My account", section: .account, viewer: viewer, body: body)
    }

    static func own(_ userID: String) -> KeySearch {
        var search = KeySearch()
        search.userID = userID
        return search
    }
}
