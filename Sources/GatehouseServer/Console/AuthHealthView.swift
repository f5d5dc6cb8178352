import Foundation
import GatehouseAuth
import GatehouseCore

/// The security page's authentication health: attempts by method, with failures by reason (this
/// instance since it started, the counters `/metrics` exposes), and each identity provider's key
/// set — how many keys, when fetched, whether fetching now fails or the keys are too old to use.
enum AuthHealthView {
    static func html(attempts: [GatewayMetrics.Attempts], metricsEnabled: Bool, issuers: [JWTIssuerKeys.Freshness], now: Date) -> String {
        var body = "<h2>Authentication health</h2>"
        if !metricsEnabled {
            body += "<div class=\"card empty\">Metrics are off (<span class=\"mono\">metrics_enabled: false</span>): attempts are not counted.</div>"
        } else {
            let methods = Dictionary(grouping: attempts, by: \.method)
            let rows = methods.keys.sorted().map { method in
                let series = methods[method] ?? []
                let succeeded = series.filter { $0.outcome == "success" }.reduce(0) { $0 + $1.count }
                let failures = series.filter { $0.outcome != "success" }.sorted { $0.count > $1.count }
                let failed = failures.reduce(0) { $0 + $1.count }
                let reasons = failures.map { "\(HTML.escape($0.reason)) \($0.count)" }.joined(separator: ", ")
                let share = succeeded + failed == 0 ? 0 : Double(failed) / Double(succeeded + failed) * 100
                return """
                    <tr><td class="mono">\(HTML.escape(method))</td><td>\(succeeded)</td>
                    <td>\(failed == 0 ? "0" : "<span class=\"error-text\">\(failed)</span> <span class=\"muted\">(\(String(format: "%.1f", share))%)</span>")</td>
                    <td>\(reasons.isEmpty ? "<span class=\"muted\">—</span>" : reasons)</td></tr>
                    """
            }
            body += "<p class=\"muted\">Attempts on this instance since it started.</p>"
            body += ConsoleText.table(["Method", "Succeeded", "Failed", "Failures by reason"], rows, empty: "No authentication yet.")
        }
        let keySets = issuers.map { freshness in
            "<tr><td>\(HTML.escape(freshness.name))<div class=\"mono muted\">\(HTML.escape(freshness.issuer))</div></td>"
                + "<td>\(freshness.configuredKeys) configured, \(freshness.fetchedKeys) fetched</td><td>\(state(freshness, now: now))</td></tr>"
        }
        body += "<h3>Identity providers' keys</h3>"
        body += ConsoleText.table(["Issuer", "Keys", "Key set"], keySets, empty: "No JWT issuer or single sign-on provider is configured.")
        return body
    }

    static func state(_ freshness: JWTIssuerKeys.Freshness, now: Date) -> String {
        guard freshness.fetches else { return "<span class=\"badge ok\">Configured keys only</span>" }
        let fetched = freshness.fetchedAt.map { "fetched \(age(now.timeIntervalSince($0))) ago" } ?? "never fetched"
        if freshness.expired {
            return "<span class=\"badge blocked\">Too old to use</span> <span class=\"muted\">\(fetched)</span>"
        }
        if let failed = freshness.failedAt {
            return
                "<span class=\"badge warn\">Fetch failing</span> <span class=\"muted\">since \(age(now.timeIntervalSince(failed))) ago; \(fetched)</span>"
        }
        return "<span class=\"badge ok\">Fresh</span> <span class=\"muted\">\(fetched)</span>"
    }

    static func age(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds))
        if whole < 120 { return "\(whole) s" }
        if whole < 7200 { return "\(whole / 60) min" }
        return "\(whole / 3600) h"
    }
}
