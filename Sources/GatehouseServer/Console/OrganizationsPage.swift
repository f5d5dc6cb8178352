import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
import Hummingbird

/// The console's organizations: the list (every one for proxy admins and viewers; those a person
/// belongs to otherwise, as `/organization/list` answers), a form to create one, an
/// organization's page with its teams, limits and spend, and delete — through
/// `OrganizationRoutes`, the management API's own operations.
struct OrganizationsPage: Sendable {
    let console: Console
    var management: Management { console.management }
    var operations: OrganizationRoutes { OrganizationRoutes(management: management) }
    static let done = ["created": "The organization is created.", "deleted": "The organization is deleted.", "updated": "Saved."]

    func list(_ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let caller = viewer.caller
        var organizations = try await management.directory.organizations()
        if !caller.readsEverything {
            let teams = try await management.directory.teams(ids: caller.memberships.keys.sorted())
            let reachable = Set(teams.compactMap(\.organizationID) + [caller.principal.organizationID].compactMap { $0 })
            organizations = organizations.filter { reachable.contains($0.id) }
        }
        let withSpend = try await management.spend.overlay(organizations).sorted { $0.alias.lowercased() < $1.alias.lowercased() }
        var body = "<div class=\"toolbar\"><span class=\"spacer\"></span>"
        if caller.isAdmin { body += "<a class=\"button\" href=\"ui/organizations/new\">New organization</a>" }
        body += "</div>"
        let rows = withSpend.map { organization in
            """
            <tr><td><a href="ui/organizations/\(HTML.escape(FormEncoding.encode(organization.id)))">\(HTML.escape(organization.alias))</a>
            <div class="mono muted">\(HTML.escape(organization.id))</div></td>
            <td>\(HTML.escape(ModelAccess.describe(organization.models, all: "All models")))</td>
            <td>\(ConsoleText.budget(spend: organization.spend, organization.limits))</td><td>\(ConsoleText.rates(organization.limits))</td></tr>
            """
        }
        body += ConsoleText.table(
            ["Organization", "Models", "Spend / budget", "Rate limits"], rows,
            empty: caller.readsEverything ? "No organizations yet." : "You belong to no organization.")
        body += "<div class=\"pager\"><span>\(withSpend.count) organization\(withSpend.count == 1 ? "" : "s")</span></div>"
        let flash = request.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Organizations", section: .organizations, viewer: viewer, body: body, flash: flash)
    }

    func show(_ id: String, _ request: Request, _ viewer: ConsoleViewer) async throws -> Response {
        let caller = viewer.caller
        let organization = try await management.spend.overlay(try await management.organization(id))
        let teams = try await management.spend.overlay(try await management.directory.teams(organizationID: id))
        guard operations.reaches(organization, teams: teams, caller) else {
            throw GatewayError.managementForbidden("This organization is outside your reach.")
        }
        let encoded = HTML.escape(FormEncoding.encode(id))
        var body = """
            <div class="card"><p><strong>\(HTML.escape(organization.alias))</strong> <span class="mono muted">\(HTML.escape(organization.id))</span></p>
            <p>Models: \(HTML.escape(ModelAccess.describe(organization.models, all: "all models"))).
            Spend: \(ConsoleText.budget(spend: organization.spend, organization.limits)).</p>
            \(caller.isAdmin ? "<p><a class=\"button secondary\" href=\"ui/organizations/\(encoded)/edit\">Change name, models and limits</a></p>" : "")</div>
            """
        body += try await console.limitsPanel.chain(organization: id)
        body += "<h2>Teams</h2>"
        let rows = teams.map { team in
            """
            <tr><td><a href="ui/teams/\(HTML.escape(FormEncoding.encode(team.id)))">\(HTML.escape(team.alias ?? team.id))</a></td>
            <td>\(team.members.count)</td><td>\(ConsoleText.budget(spend: team.spend, team.limits))</td></tr>
            """
        }
        body += ConsoleText.table(["Team", "Members", "Spend / budget"], rows, empty: "No team in this organization yet.")
        if caller.isAdmin {
            body += """
                <h2>Delete</h2><form method="post" action="ui/organizations/\(encoded)/delete" data-confirm="Delete this organization?">\
                \(HTML.hidden("csrf_token", viewer.csrf))<button type="submit" class="danger">Delete the organization</button></form>
                <p class="muted">An organization that still has teams is not deleted: move or delete them first.</p>
                """
        }
        let flash = request.uri.queryParameters.get("done").flatMap { Self.done[$0] }.map { ConsoleLayout.Flash(text: $0, isError: false) }
        return ConsoleLayout.page("Organization \(organization.alias)", section: .organizations, viewer: viewer, body: body, flash: flash)
    }

    static let fields = ["organization_alias", "organization_id", "models_mode", "models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit"]

    func form(_ viewer: ConsoleViewer, values: [String: String] = [:], error: ConsoleForm.FieldError? = nil) async throws -> Response {
        try viewer.caller.requireAdmin("create organizations")
        let fields = """
            \(ConsoleForm.field("organization_alias", "Name", hint: "What people call it.", values: values, error: error))
            \(ConsoleForm.field("organization_id", "Id", hint: "Empty: one is made up.", values: values, error: error))
            \(ConsoleForm.limits(
                values: values, error: error, allModels: "All models", whose: "For the whole organization; ",
                period: "When the organization's spend starts again."))
            """
        return ConsoleForm.page(
            "New organization", section: .organizations, viewer: viewer, action: "ui/organizations/new", fields: fields, known: Self.fields,
            submit: "Create organization", cancel: "ui/organizations", error: error)
    }

    func create(_ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        try await console.submit(
            posted, fields: Self.fields, text: ["organization_alias", "organization_id", "budget_duration"], action: "organization.new", viewer,
            context, operation: { try await operations.new($0) }, again: { try await form(viewer, values: $0, error: $1) }
        ) { changed in
            viewer.back(to: "/ui/organizations/" + FormEncoding.encode(changed.answer["organization_id"]?.stringValue ?? ""), done: "created")
        }
    }

    func delete(_ id: String, _ viewer: ConsoleViewer, _ context: GatewayRequestContext) async throws -> Response {
        _ = try await console.perform("organization.delete", ["organization_ids": [.string(id)]], viewer, context) {
            try await operations.delete($0)
        }
        return viewer.back(to: "/ui/organizations", done: "deleted")
    }
}
