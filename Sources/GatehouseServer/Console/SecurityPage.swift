import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Hummingbird

/// Security, for proxy admins and viewers: the lockouts in force (lifted by proxy admins), the
/// OAuth clients (registered with the secret shown once, the secret regenerated, deleted) and the
/// client certificate bindings — through `LockoutRoutes` and `OAuthClientRoutes`.
struct SecurityPage: Sendable {
    let console: Console
    let lockouts: Lockouts
    let signingKeys: SigningKeyRing
    var management: Management { console.management }
    var clients: OAuthClientRoutes { OAuthClientRoutes(management: management, ring: signingKeys) }
    static let done = ["unlocked": "The block is lifted.", "deleted": "The client is deleted: its tokens stop working at once."]

    func show(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        try viewer.caller.requireReader("read the security settings")
        let admin = viewer.caller.isAdmin
        let now = Date()
        var body = AuthHealthView.html(
            attempts: console.metrics.authenticationAttempts(), metricsEnabled: console.metrics.enabled,
            issuers: console.issuerKeys.map(\.freshness), now: now)
        body += "<h2>Lockouts in force</h2>"
        let blocks = lockouts.blocks(at: now).map { block in
            let unlock =
                admin
                ? """
                <form method="post" action="ui/security/unlock">\(HTML.hidden("csrf_token", viewer.csrf))\(HTML.hidden("subject", block.subject))\
                <button type="submit" class="small secondary">Lift</button></form>
                """ : ""
            return """
                <tr><td class="mono">\(HTML.escape(block.subject))</td><td>\(HTML.escape(ConsoleText.time(block.until)))</td>
                <td>\(Int(block.until.timeIntervalSince(now).rounded(.up))) s</td><td class="actions">\(unlock)</td></tr>
                """
        }
        body += ConsoleText.table(["Blocked", "Until", "Left", ""], blocks, empty: "Nothing is locked out.")
        body += "<h2>OAuth clients</h2>"
        let registered = try await management.store.oauth.clients(limit: 200, offset: 0).map { client in
            let id = HTML.escape(client.id)
            var actions = ""
            if admin {
                if !client.isPublic {
                    actions += """
                        <form method="post" action="ui/security/clients/regenerate" data-confirm="Regenerate the secret of \(id)? The old one stops working at once.">\
                        \(HTML.hidden("csrf_token", viewer.csrf))\(HTML.hidden("client_id", client.id))<button type="submit" class="small secondary">New secret</button></form>
                        """
                }
                actions += """
                    <form method="post" action="ui/security/clients/delete" data-confirm="Delete \(id)? Its tokens stop working at once.">\
                    \(HTML.hidden("csrf_token", viewer.csrf))\(HTML.hidden("client_id", client.id))<button type="submit" class="small danger">Delete</button></form>
                    """
            }
            return """
                <tr><td>\(HTML.escape(client.name ?? "—"))<div class="mono muted">\(id)</div></td>
                <td>\(client.isPublic ? "public" : "confidential")</td><td>\(HTML.escape(client.grantTypes.joined(separator: ", ")))</td>
                <td>\(HTML.escape(client.scopes.isEmpty ? "—" : client.scopes.joined(separator: " ")))</td>
                <td>\(client.blocked ? "<span class=\"badge blocked\">Blocked</span>" : "<span class=\"badge ok\">Active</span>")</td>
                <td class="actions">\(actions)</td></tr>
                """
        }
        body += ConsoleText.table(["Client", "Kind", "Grants", "Scopes", "Status", ""], registered, empty: "No OAuth client is registered.")
        if admin {
            body += """
                <form class="card toolbar" method="post" action="ui/security/clients/new">\(HTML.hidden("csrf_token", viewer.csrf))
                <label>Name <input name="name" required></label><label>Scopes <input name="scopes" placeholder="chat batch"></label>
                <label>Team <input name="team_id" size="14"></label><button type="submit">Register a client</button></form>
                """
        }
        body += "<h2>Client certificate bindings</h2>"
        let bindings = try await management.store.certificates.bindings(limit: 200, offset: 0).map { binding in
            let to = [binding.keyID.map { "key " + $0 }, binding.userID.map { "user " + $0 }, binding.teamID.map { "team " + $0 }]
                .compactMap { $0 }.joined(separator: ", ")
            let seen = console.handshakes?.lastSeen(binding.id)
            let certificate =
                seen.map { sighting in
                    "\(Self.expiry(sighting.certificate.notValidAfter, now: now))<div class=\"muted\">last seen \(HTML.escape(ConsoleText.time(sighting.at)))</div>"
                } ?? "<span class=\"muted\">not seen since this instance started</span>"
            return """
                <tr><td class="mono">\(HTML.escape(binding.id))</td><td>\(HTML.escape(to))</td><td>\(HTML.escape(ConsoleText.day(binding.createdAt)))</td>
                <td>\(certificate)</td></tr>
                """
        }
        body += ConsoleText.table(["Identity", "Bound to", "Since", "Its certificate"], bindings, empty: "No certificate is bound.")
        let files = CertificateFiles.entries(console.listenerTLS).map { entry in
            """
            <tr><td>\(HTML.escape(entry.role))<div class="mono muted">\(HTML.escape(entry.path))</div></td><td class="mono">\(HTML.escape(entry.subject))</td>
            <td>\(entry.problem.map { "<span class=\"badge blocked\">\(HTML.escape($0))</span>" } ?? Self.expiry(entry.notValidAfter, now: now))</td></tr>
            """
        }
        body += "<h2>This gateway's certificates</h2>"
        body += ConsoleText.table(["Certificate", "Subject", "Expires"], files, empty: "No listener serves HTTPS.")
        let flash = request.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Security", section: .security, viewer: viewer, body: body, flash: flash)
    }

    /// When a certificate expires, marked when that is within 30 days or past.
    static func expiry(_ date: Date?, now: Date) -> String {
        guard let date else { return "<span class=\"muted\">unknown</span>" }
        let days = Int((date.timeIntervalSince(now) / 86_400).rounded(.down))
        let badge =
            days < 0
            ? "<span class=\"badge blocked\">Expired</span>"
            : days < 30 ? "<span class=\"badge warn\">\(days) days left</span>" : "<span class=\"badge ok\">\(days) days left</span>"
        return "\(HTML.escape(ConsoleText.day(date))) \(badge)"
    }

    func unlock(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        let body: JSONValue = ["subject": .string(posted["subject"] ?? "")]
        _ = try await console.perform("lockout.unlock", body, viewer, context) {
            try await LockoutRoutes(management: management, lockouts: lockouts).unlock($0)
        }
        return viewer.back(to: "/ui/security", done: "unlocked")
    }

    /// Registers a client or gives one a new secret: the secret is shown this once.
    func secret(new: Bool, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        let changed: Changed
        if new {
            var body: JSONValue = [:]
            if let name = posted["name"], !name.isEmpty { body["name"] = .string(name) }
            if let team = posted["team_id"], !team.isEmpty { body["team_id"] = .string(team) }
            let scopes = (posted["scopes"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map { JSONValue.string(String($0)) }
            if !scopes.isEmpty { body["scopes"] = .array(scopes) }
            changed = try await console.perform("oauth.client.new", body, viewer, context) { try await clients.new($0) }
        } else {
            changed = try await console.perform("oauth.client.regenerate_secret", ["client_id": .string(posted["client_id"] ?? "")], viewer, context)
            {
                try await clients.regenerate($0)
            }
        }
        let id = changed.answer["client_id"]?.stringValue ?? ""
        let secret = changed.answer["client_secret"]?.stringValue ?? ""
        let page = """
            <div class="card"><p>Client <span class="mono">\(HTML.escape(id))</span>. Copy its secret now: it is shown this once.</p>
            <div class="secret"><code id="client-secret" class="mono">\(HTML.escape(secret))</code>
            <button type="button" class="small secondary" data-copy="client-secret">Copy</button></div>
            <p><a class="button" href="ui/security">Back to security</a></p></div>
            """
        return ConsoleLayout.page(new ? "Client registered" : "New client secret", section: .security, viewer: viewer, body: page)
    }

    func delete(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        _ = try await console.perform("oauth.client.delete", ["client_ids": [.string(posted["client_id"] ?? "")]], viewer, context) {
            try await clients.delete($0)
        }
        return viewer.back(to: "/ui/security", done: "deleted")
    }
}
