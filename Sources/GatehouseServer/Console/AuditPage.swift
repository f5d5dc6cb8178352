import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird

/// The audit trail, for proxy admins and viewers: filters (time, actor, action, object,
/// outcome) applied by the store, paging, each record's changes as before → after, and, on
/// demand, the hash chain verified end to end.
struct AuditPage: Sendable {
    let console: Console
    /// Where this instance's records wait to be written (flushed first, so the page includes them).
    let audit: Audit
    var management: Management { console.management }
    static let pageSize = 50

    func show(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        try viewer.caller.requireReader("read the audit trail")
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var filter = AuditStore.Filter()
        filter.actor = value("actor")
        filter.action = value("action")
        filter.object = value("object")
        filter.outcome = value("outcome").flatMap { AuditEvent.Outcome(rawValue: $0)?.rawValue }
        filter.from = try value("from").map { try SpendRoutes.date($0, param: "from") }
        filter.to = try value("to").map { try SpendRoutes.date($0, param: "to").addingTimeInterval(86_400) }
        let before = value("before").flatMap { Int64($0) }
        await audit.writer.flush()
        let (records, total) = try await management.audit.find(filter, before: before, limit: Self.pageSize)
        var flash: ConsoleLayout.Flash?
        if query.get("verify") == "1" {
            let finding = try await management.audit.verify()
            if case .intact(let count) = finding {
                flash = .init(text: "The chain is intact: \(count) records, each hashed over the one before.", isError: false)
            } else {
                flash = .init(text: "The chain is broken: \(finding).", isError: true)
            }
        }
        let filters: [(String, String)] = ["actor", "action", "object", "outcome", "from", "to"].compactMap { name in
            value(name).map { (name, $0) }
        }
        func input(_ name: String, _ label: String, type: String = "text") -> String {
            "<label>\(label) <input name=\"\(name)\" type=\"\(type)\" value=\"\(HTML.escape(value(name) ?? ""))\" size=\"14\"></label>"
        }
        let outcomes = (["": "Any outcome"].map { ($0.key, $0.value) } + AuditEvent.Outcome.allCases.map { ($0.rawValue, $0.rawValue.capitalized) })
            .map { key, label in "<option value=\"\(key)\"\(filter.outcome == key ? " selected" : "")>\(label)</option>" }.joined()
        var body = """
            <form class="toolbar" method="get" action="ui/audit">\(input("from", "From", type: "date"))\(input("to", "To", type: "date"))
            \(input("actor", "Actor"))\(input("action", "Action"))\(input("object", "Object"))
            <label>Outcome <select name="outcome">\(outcomes)</select></label><button type="submit" class="secondary">Filter</button>
            <span class="spacer"></span><a class="button secondary" href="ui/audit?verify=1">Verify the chain</a></form>
            """
        if records.isEmpty {
            body += "<div class=\"card empty\">No records match.</div>"
        } else {
            let rows = records.map { record in
                let badge = record.outcome == "success" ? "ok" : (record.outcome == "denied" ? "warn" : "blocked")
                return """
                    <tr><td class="mono">\(record.sequence)</td><td>\(HTML.escape(ConsoleText.time(Date(timeIntervalSince1970: Double(record.timeMs) / 1000))))</td>
                    <td class="mono">\(HTML.escape(record.action))</td><td>\(HTML.escape(record.actor))</td><td>\(HTML.escape(record.object ?? "—"))</td>
                    <td><span class="badge \(badge)">\(HTML.escape(record.outcome))</span></td><td>\(HTML.escape(record.address ?? "—"))</td>
                    <td class="details">\(Self.details(record.details))</td></tr>
                    """
            }.joined()
            body += """
                <table><thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th>
                <th scope="col">Object</th><th scope="col">Outcome</th><th scope="col">Address</th><th scope="col">Details</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """
        }
        body += ConsoleText.keysetPager(
            total: total, noun: "record", path: "ui/audit", filters: filters.map { ($0.0, $0.1) }, paged: before != nil,
            next: records.count == Self.pageSize ? records.last.map { String($0.sequence) } : nil, after: "before")
        return ConsoleLayout.page("Audit trail", section: .audit, viewer: viewer, body: body, flash: flash)
    }

    /// A record's details: each change as `field: before → after` (or created, deleted), then the
    /// other details as `name: value`. Escaped.
    static func details(_ text: String) -> String {
        guard let details = try? JSONCoding.decode(Array(text.utf8)), case .object(let fields) = details else {
            return "<span class=\"mono\">\(HTML.escape(String(text.prefix(300))))</span>"
        }
        var lines: [String] = []
        for change in fields["changes"]?.arrayValue ?? [] {
            let object = change["object"]?.stringValue ?? ""
            if let before = change["before"], let after = change["after"], case .object(let old) = before, case .object(let new) = after {
                let diffs = Set(old.keys).union(new.keys).sorted().map { field in
                    "\(field): \(Self.short(old[field])) → \(Self.short(new[field]))"
                }
                lines.append(object + (diffs.isEmpty ? " unchanged" : " — " + diffs.joined(separator: "; ")))
            } else if change["created"] != nil {
                lines.append(object + " created")
            } else if change["deleted"] != nil {
                lines.append(object + " deleted")
            }
        }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where name != "changes" && name != "request" {
            lines.append("\(name): \(short(value))")
        }
        return lines.map { "<div>\(HTML.escape($0))</div>" }.joined()
    }

    static func short(_ value: JSONValue?) -> String {
        guard let value else { return "—" }
        let text = value.stringValue ?? JSONCoding.encodeString(value)
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
