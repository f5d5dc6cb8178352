import Foundation
import GatehouseCore
import Hummingbird

/// Changing a team's, user's or organization's name, models and limits (an emptied field
/// removes the limit), through the management API's own update operation of each — proxy admins
/// only, as those operations hold it.
struct LevelEditPage: Sendable {
    enum Kind: Sendable {
        case team, user, organization

        var noun: String {
            switch self {
            case .team: "team"
            case .user: "user"
            case .organization: "organization"
            }
        }

        /// Where its pages are (`/ui/teams/<id>`).
        var path: String { "/ui/" + noun + "s" }
        var section: ConsoleLayout.Section {
            switch self {
            case .team: .teams
            case .user: .users
            case .organization: .organizations
            }
        }

        var idField: String { noun + "_id" }
        var nameField: String { noun + "_alias" }
        var allModels: String {
            switch self {
            case .team: "All models its organization allows"
            case .user: "All models their teams and organization allow"
            case .organization: "All models"
            }
        }
    }

    let console: Console
    let kind: Kind
    var management: Management { console.management }

    var fields: [String] { [kind.nameField, "models_mode", "models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit"] }

    func form(
        _ id: String, _ viewer: ConsoleViewer, values typed: [String: String]? = nil, error: ConsoleForm.FieldError? = nil
    ) async throws
        -> Response
    {
        try viewer.caller.requireAdmin("change \(kind.noun)s")
        let (name, models, limits) = try await current(id)
        let values = typed ?? ConsoleForm.values(name: (kind.nameField, name ?? ""), models: models, limits: limits)
        let nameHint = kind == .organization ? "What people call it; it must have one." : "What people call it; empty to remove it."
        let fields = """
            \(ConsoleForm.field(kind.nameField, "Name", hint: nameHint, values: values, error: error))
            \(ConsoleForm.limits(
                values: values, error: error, allModels: kind.allModels, whose: "For the whole \(kind.noun); ",
                period: "When the \(kind.noun)'s spend starts again."))
            """
        let page = HTML.escape(kind.path.dropFirst() + "/" + FormEncoding.encode(id))
        return ConsoleForm.page(
            "Change \(kind.noun) \(name ?? id)", section: kind.section, viewer: viewer, action: "\(page)/edit", fields: fields, known: self.fields,
            submit: "Save", cancel: page, error: error)
    }

    func save(_ id: String, _ viewer: ConsoleViewer, _ posted: FormBody, _ context: GatewayRequestContext) async throws -> Response {
        var clearable = ["max_budget", "budget_duration", "rpm_limit", "tpm_limit"]
        if kind != .organization { clearable.append(kind.nameField) }
        return try await console.submit(
            posted, fields: fields, text: [kind.nameField, "budget_duration"], action: "\(kind.noun).update", viewer, context,
            adjust: { body in
                body[kind.idField] = .string(id)
                ConsoleForm.clear(clearable, emptyIn: posted, &body)
            }, operation: update, again: { try await form(id, viewer, values: $0, error: $1) }
        ) { _ in viewer.back(to: kind.path + "/" + FormEncoding.encode(id), done: "updated") }
    }

    private func current(_ id: String) async throws -> (name: String?, models: [String], limits: Limits) {
        switch kind {
        case .team:
            let team = try await management.team(id)
            return (team.alias, team.models, team.limits)
        case .user:
            let user = try await management.user(id)
            return (user.alias, user.models, user.limits)
        case .organization:
            let organization = try await management.organization(id)
            return (organization.alias, organization.models, organization.limits)
        }
    }

    private func update(_ call: ManagementCall) async throws -> Changed {
        switch kind {
        case .team: try await TeamRoutes(management: management).update(call)
        case .user: try await UserRoutes(management: management).update(call)
        case .organization: try await OrganizationRoutes(management: management).update(call)
        }
    }
}
