import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseProviders
import GatehouseStore
import Hummingbird

/// The console's models: each model name the signed-in person may use with its deployments
/// (the upstream's address for proxy admins and viewers only; never a key or header), prices,
/// access groups, and how each deployment answered in the last hour — requests, error rate,
/// latency, from one grouped query of the spend rows — and whether it is cooling down now.
struct ModelsPage: Sendable {
    let console: Console
    var management: Management { console.management }
    /// How far back the health figures reach.
    static let window: TimeInterval = 3600

    func show(_ viewer: ConsoleViewer) async throws -> Response {
        let router = management.router
        let principal = viewer.principal
        let deployments = ModelInfoRoutes(router: router).deployments(for: principal)
        var filter = SpendStore.Filter()
        filter.from = Date().addingTimeInterval(-Self.window)
        let stats = Dictionary(
            (try await management.spend.settled().deployments(filter)).map { ($0.deployment, $0) }, uniquingKeysWith: { first, _ in first })
        let cooling = router.coolingDown
        let showsUpstream = viewer.caller.readsEverything
        let rows = deployments.sorted { ($0.modelName, $0.id) < ($1.modelName, $1.id) }.map { deployment in
            let upstream =
                HTML.escape(deployment.configuredModel)
                + (showsUpstream ? deployment.apiBase.map { "<div class=\"muted mono\">\(HTML.escape($0))</div>" } ?? "" : "")
            return """
                <tr><td><strong>\(HTML.escape(deployment.modelName))</strong><div class="mono muted">\(HTML.escape(deployment.id))</div></td>
                <td class="mono">\(upstream)</td><td>\(HTML.escape(deployment.accessGroups.isEmpty ? "—" : deployment.accessGroups.joined(separator: ", ")))</td>
                <td>\(Self.price(deployment))</td><td>\(Self.health(stats[deployment.id]))</td>
                <td>\(cooling.contains(deployment.id) ? "<span class=\"badge warn\">Cooling down</span>" : "<span class=\"badge ok\">Serving</span>")</td></tr>
                """
        }
        var body = "<p class=\"muted\">The models you may use, each with the deployments that serve it. Health is over the last hour.</p>"
        body += ConsoleText.table(
            ["Model", "Upstream", "Access groups", "Price per 1M tokens (in / out)", "Last hour", "Now"], rows,
            empty: "No model is open to you. Ask a proxy admin for access.")
        let groups = router.accessGroupNames.map { group in
            "<tr><td>\(HTML.escape(group))</td><td>\(HTML.escape(router.models(inAccessGroup: group).joined(separator: ", ")))</td></tr>"
        }
        if showsUpstream {
            body += "<h2>Access groups</h2>"
            body += ConsoleText.table(["Group", "Models"], groups, empty: "No access groups are configured.")
        }
        return ConsoleLayout.page("Models", section: .models, viewer: viewer, body: body)
    }

    static func price(_ deployment: Deployment) -> String {
        guard let price = ModelPrices.price(for: deployment) else { return "<span class=\"muted\">not priced</span>" }
        func perMillion(_ perToken: Decimal) -> String {
            ConsoleText.dollars(NSDecimalNumber(decimal: perToken * 1_000_000).doubleValue)
        }
        return "\(perMillion(price.input)) / \(perMillion(price.output))"
    }

    static func health(_ stats: SpendStore.DeploymentStats?) -> String {
        guard let stats, stats.requests > 0 else { return "<span class=\"muted\">no requests</span>" }
        let rate = Double(stats.errors) / Double(stats.requests) * 100
        let errors = String(format: "%.1f%%", rate)
        return """
            \(stats.requests) request\(stats.requests == 1 ? "" : "s"), \(stats.errors > 0 ? "<span class=\"error-text\">\(errors) errors</span>" : "no errors")
            <div class="muted">latency \(stats.meanLatencyMs) ms mean, \(stats.maxLatencyMs) ms max</div>
            """
    }
}
