import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// One key: its spend and limits, a form to change them (an emptied field removes the limit),
/// and regeneration — a new secret shown once, the old one working on for the grace period
/// chosen — through `KeyRoutes.update` and `KeyRoutes.regenerate`.
struct KeyEditPage: Sendable {
    let console: Console
    var management: Management { console.management }
    var operations: KeyRoutes { KeyRoutes(management: management) }
    static let fields = [
        "key_alias", "models_mode", "models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit", "duration", "allowed_ips", "allowed_routes",
    ]
    /// Fields that an emptied input sets to null (removing the value).
    static let clearable = ["key_alias", "max_budget", "budget_duration", "rpm_limit", "tpm_limit"]

    func form(
        _ id: String, _ viewer: ConsoleViewer, values typed: [String: String]? = nil, error: ConsoleForm.FieldError? = nil
    ) async throws
        -> Response
    {
        try viewer.caller.requireWriter()
        let key = try await management.withSpend([try await operations.changeable(id, viewer.caller)])[0]
        var values = typed ?? ConsoleForm.values(name: ("key_alias", key.alias ?? ""), models: key.models, limits: key.limits)
        if typed == nil {
            values["allowed_ips"] = key.limits.allowedIPs.map(\.description).joined(separator: ", ")
            values["allowed_routes"] = key.allowedRoutes.joined(separator: ", ")
        }
        func field(_ name: String, _ label: String, hint: String, type: String = "text", attributes: String = "") -> String {
            ConsoleForm.field(name, label, hint: hint, type: type, values: values, error: error, attributes: attributes)
        }
        let encoded = HTML.escape(FormEncoding.encode(key.id))
        let fields = """
            \(field("key_alias", "Alias", hint: "Empty to remove it."))
            \(ConsoleForm.limits(values: values, error: error, allModels: "All models its owner may use", period: KeysPage.periodHint))
            \(field("duration", "Expires after", hint: "From now: 30d, 12h, 1mo…; empty: as it is (\(key.expiresAt.map { ConsoleText.day($0) } ?? "never"))."))
            \(ConsoleForm.reach(values: values, error: error))
            """
        let summary = """
            <div class="stats"><div class="stat"><div class="label">Key</div><div class="value mono">\(HTML.escape(key.display))</div></div>
            <div class="stat"><div class="label">Spend</div><div class="value">\(ConsoleText.budget(spend: key.spend, key.limits))</div></div>
            <div class="stat"><div class="label">Owner</div><div class="value">\(HTML.escape(key.userID ?? key.teamID ?? "—"))</div></div></div>
            """ + (try await console.limitsPanel.key(key.id)) + "<h2>Change</h2>"
        let regenerate = """
            <h2>Regenerate</h2>
            <form class="card toolbar" method="post" action="ui/keys/\(encoded)/regenerate" data-confirm="Give this key a new secret?">\
            \(HTML.hidden("csrf_token", viewer.csrf))
            <label>The old secret keeps working for <select name="grace_period"><option value="">no time</option>\
            <option value="1h">an hour</option><option value="24h">a day</option><option value="7d">a week</option></select></label>
            <button type="submit" class="secondary">Regenerate</button></form>
            """
        return ConsoleForm.page(
            "Key \(key.alias ?? key.display)", section: .keys, viewer: viewer, action: "ui/keys/\(encoded)/edit", fields: fields,
            known: Self.fields, submit: "Save", cancel: "ui/keys", error: error, before: summary, after: regenerate)
    }

    func save(_ id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        try await console.submit(
            posted, fields: Self.fields, text: ["key_alias", "budget_duration", "duration"], action: "key.update", viewer, context,
            adjust: { body in
                body["key"] = .string(id)
                ConsoleForm.clear(Self.clearable, emptyIn: posted, &body)
                for name in ConsoleForm.listFields where (posted[name] ?? "").trimmingCharacters(in: .whitespaces).isEmpty { body[name] = [] }
            }, operation: { try await operations.update($0) }, again: { try await form(id, viewer, values: $0, error: $1) }
        ) { _ in viewer.back(to: "/ui/keys", done: "updated") }
    }

    func regenerate(_ id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        var body: JSONValue = ["key": .string(id)]
        if let grace = posted["grace_period"], !grace.isEmpty { body["grace_period"] = .string(grace) }
        let changed = try await console.perform("key.regenerate", body, viewer, context) { try await operations.regenerate(nil, $0) }
        let raw = changed.answer["key"]?.stringValue ?? ""
        let grace = posted["grace_period"].flatMap { $0.isEmpty ? nil : $0 }
        let page = """
            <div class="card"><p>Copy the new key now: it is shown this once. \(grace.map { "The old one keeps working for \(HTML.escape($0))." } ?? "The old one no longer works.")</p>
            <div class="secret"><code id="new-key" class="mono">\(HTML.escape(raw))</code>
            <button type="button" class="small secondary" data-copy="new-key">Copy</button></div>
            <p><a class="button" href="ui/keys">Back to the keys</a></p></div>
            """
        return ConsoleLayout.page("Key regenerated", section: .keys, viewer: viewer, body: page)
    }
}
