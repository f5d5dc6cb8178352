import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore
public import Hummingbird

/// LiteLLM's organization management API: `/organization/new`, `/organization/info`,
/// `/organization/update`, `/organization/list`, `/organization/delete` (with the methods LiteLLM
/// uses and POST for each). Only proxy admins change organizations; members of an organization's
/// teams may read it.
public struct OrganizationRoutes: Sendable {
    let management: Management

    init(management: Management) {
        self.management = management
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/organization/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.get("/organization/info") { request, context in try await self.info(request, context) }
        router.post("/organization/info") { request, context in try await self.info(request, context) }
        router.changing("/organization/update", .patch, .post, trail: management.trail) { call, _ in
            try await self.update(call)
        }
        router.get("/organization/list") { request, context in try await self.list(request, context) }
        router.changing("/organization/delete", .delete, .post, trail: management.trail) { call, _ in
            try await self.delete(call)
        }
        router.changing("/organization/member_add", .post, trail: management.trail) { call, _ in try await self.addMembers(call) }
        router.changing("/organization/member_update", .patch, .post, trail: management.trail) { call, _ in try await self.updateMember(call) }
        router.changing("/organization/member_delete", .delete, .post, trail: management.trail) { call, _ in
            try await self.deleteMember(call)
        }
    }

    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("create organizations")
        let body = call.body
        let id = try body.string("organization_id").value ?? DirectoryID.new("org")
        var organization = Organization(id: id, alias: try body.required("organization_alias"))
        try body.apply(to: &organization)
        if try await management.directory.organization(id: id) != nil {
            throw GatewayError.badRequest("Organization \(id) already exists.", param: "organization_id")
        }
        try await management.directory.insert(organization)
        return Changed(ManagementJSON.organization(organization), try await management.changed(organization))
    }

    /// `GET /organization/info?organization_id=` (or the id in a POST body), with its teams.
    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        let id: String
        if let named = request.uri.queryParameters.get("organization_id") {
            id = named
        } else {
            id = try await management.body(request).required("organization_id")
        }
        let organization = try await management.spend.overlay(try await management.organization(id))
        let teams = try await management.spend.overlay(try await management.directory.teams(organizationID: id))
        guard reaches(organization, teams: teams, caller) else {
            throw GatewayError.managementForbidden("This organization is outside your reach.")
        }
        var answer = ManagementJSON.organization(organization, teams: try await management.json(teams))
        let members = try await management.directory.users(organizationID: id, limit: 1000)
        answer["members"] = .array(members.map { Self.membership($0, of: id) })
        return Response.json(answer)
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change organizations")
        let body = call.body
        var organization = try await management.organization(try body.required("organization_id"))
        let old = organization
        try body.apply(to: &organization)
        organization.updatedAt = Date()
        try await management.directory.update(organization)
        return Changed(ManagementJSON.organization(organization), try await management.changed(organization, was: old))
    }

    /// Every organization for admins and viewers; for everyone else, those they belong to.
    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let caller = try await management.caller(context)
        var organizations = try await management.directory.organizations()
        if !caller.readsEverything {
            let teams = try await management.directory.teams(ids: caller.memberships.keys.sorted())
            var reachable = Set(teams.compactMap(\.organizationID))
            if let own = caller.principal.organizationID { reachable.insert(own) }
            organizations = organizations.filter { reachable.contains($0.id) }
        }
        return Response.json(.array(try await management.spend.overlay(organizations).map { ManagementJSON.organization($0) }))
    }

    /// Deletes empty organizations; one that still has teams is refused, so no team is left
    /// pointing at nothing.
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete organizations")
        let ids = try call.body.requiredList("organization_ids")
        for id in ids {
            _ = try await management.organization(id)
            guard try await management.directory.teams(organizationID: id, limit: 1).isEmpty else {
                throw GatewayError.badRequest("Organization \(id) still has teams; delete or move them first.", param: "organization_ids")
            }
        }
        _ = try await management.directory.deleteOrganizations(ids: ids)
        let removed = try await management.removed(ids.map { .organization($0) })
        return Changed(["deleted_organizations": ManagementJSON.strings(ids)], removed)
    }

    func reaches(_ organization: Organization, teams: [Team], _ caller: ManagementCaller) -> Bool {
        caller.readsEverything || caller.principal.organizationID == organization.id || teams.contains { caller.belongs(to: $0.id) }
    }
}
