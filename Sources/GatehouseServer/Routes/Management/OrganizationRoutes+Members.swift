import Foundation
import GatehouseCore
import GatehouseStore

/// `/organization/member_add`, `member_update`, `member_delete` (proxy admins). In Gatehouse a
/// user belongs to at most one organization (`organization_id`), so a membership is the user's:
/// its budget (`max_budget_in_organization`) is the user's `max_budget`, and its role, when it is
/// `internal_user` or `internal_user_viewer`, the role of a user who has one of those. LiteLLM's
/// `org_admin` is refused: Gatehouse has no organization admins (team admins manage teams).
extension OrganizationRoutes {
    func addMembers(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("add organization members")
        let body = call.body
        let organization = try await management.organization(try body.required("organization_id"))
        guard let members = try body.memberEntries("member") else {
            throw GatewayError.badRequest("`member` is required.", param: "member")
        }
        guard members.count <= 100 else { throw GatewayError.badRequest("At most 100 members at once.", param: "member") }
        var users: [User] = []
        var changes: [RecordChange] = []
        for (userID, email, roleText) in members {
            let role = try roleText.map(Self.memberRole) ?? nil
            let found: User?
            if let userID {
                found = try await management.directory.user(id: userID)
            } else {
                found = try await management.directory.user(email: email!)
            }
            if let found, let other = found.organizationID, other != organization.id {
                throw GatewayError.badRequest(
                    "User \(found.id) belongs to organization \(other); a user belongs to one organization in Gatehouse.", param: "member")
            }
            var user = found ?? User(id: userID ?? DirectoryID.new("user"))
            let old = found
            if found == nil {
                user.email = email
                try await management.checkSignInNames(id: user.id, email: email)
            }
            user.organizationID = organization.id
            try Self.apply(role: role, budget: body, to: &user)
            user.updatedAt = Date()
            if found == nil { try await management.directory.insert(user) } else { try await management.directory.update(user) }
            changes.append(try await management.changed(user, was: old))
            users.append(user)
        }
        return Changed(
            [
                "organization_id": .string(organization.id), "updated_users": .array(users.map { ManagementJSON.user($0) }),
                "updated_organization_memberships": .array(users.map { Self.membership($0, of: organization.id) }),
            ], changes)
    }

    func updateMember(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change organization members")
        let body = call.body
        let organizationID = try body.required("organization_id")
        let old = try await member(of: organizationID, named: body)
        var user = old
        let role = try body.string("role").value.map(Self.memberRole) ?? nil
        try Self.apply(role: role, budget: body, to: &user)
        user.updatedAt = Date()
        try await management.directory.update(user)
        var answer = Self.membership(user, of: organizationID)
        answer["max_budget_in_organization"] = user.limits.maxBudget.map(JSONValue.number) ?? .null
        return Changed(answer, try await management.changed(user, was: old))
    }

    /// Takes the user out of the organization (their teams and keys stay as they are).
    func deleteMember(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("remove organization members")
        let organizationID = try call.body.required("organization_id")
        let old = try await member(of: organizationID, named: call.body)
        var user = old
        user.organizationID = nil
        user.updatedAt = Date()
        try await management.directory.update(user)
        return Changed(["organization_id": .string(organizationID), "user_id": .string(user.id)], try await management.changed(user, was: old))
    }

    /// The member a body's `user_id` (or `user_email`) names.
    func member(of organizationID: String, named body: ManagementBody) async throws -> User {
        _ = try await management.organization(organizationID)
        let user: User?
        if let id = try body.string("user_id").value {
            user = try await management.directory.user(id: id)
        } else if let email = try body.string("user_email").value {
            user = try await management.directory.user(email: email)
        } else {
            throw GatewayError.badRequest("`user_id` or `user_email` is required.", param: "user_id")
        }
        guard let user, user.organizationID == organizationID else {
            throw GatewayError.managementNotFound("This user is not a member of organization \(organizationID).", param: "user_id")
        }
        return user
    }

    /// LiteLLM's roles within an organization that Gatehouse has.
    static let memberRoles = ["internal_user", "internal_user_viewer"]

    static func memberRole(_ text: String) throws -> Principal.Role? {
        if text == "org_admin" {
            throw GatewayError.badRequest(
                "Gatehouse has no organization admins: make the user a team admin of the organization's teams instead.", param: "role")
        }
        guard memberRoles.contains(text) else {
            throw GatewayError.badRequest("`role` must be internal_user or internal_user_viewer.", param: "role")
        }
        return Principal.Role(rawValue: text)
    }

    /// The membership's role (only over an internal role: a proxy admin stays one) and budget.
    static func apply(role: Principal.Role?, budget body: ManagementBody, to user: inout User) throws {
        if let role, [.internalUser, .internalUserViewer].contains(user.role) { user.role = role }
        try body.number("max_budget_in_organization").apply(to: &user.limits.maxBudget)
    }

    /// LiteLLM's `LiteLLM_OrganizationMembershipTable` row for a member.
    static func membership(_ user: User, of organizationID: String) -> JSONValue {
        [
            "user_id": .string(user.id), "organization_id": .string(organizationID), "user_role": .string(user.role.rawValue),
            "user_email": ManagementJSON.optional(user.email), "spend": .number(user.spend), "budget_id": .null,
            "created_at": .string(ManagementJSON.timestamp(user.createdAt)), "updated_at": .string(ManagementJSON.timestamp(user.updatedAt)),
        ]
    }
}
