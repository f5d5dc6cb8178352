import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird

/// `/certificate/bind`, `/certificate/list`, `/certificate/unbind`: which client certificate
/// identity acts as which virtual key, user or team. Proxy admins change bindings (a binding
/// hands out what it is bound to); viewers read them.
struct CertificateRoutes: Sendable {
    let management: Management
    /// How the listener reads identities, for checking what is bound.
    let identity: ClientCertificate.IdentityKind

    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/certificate/bind", .post, trail: management.trail) { call, _ in try await self.bind(call) }
        router.get("/certificate/list") { request, context in try await self.list(request, context) }
        router.changing("/certificate/unbind", .post, trail: management.trail) { call, _ in try await self.unbind(call) }
    }

    /// `{"identity": "san_uri:spiffe://acme/search", "key_id": "key_…"}`, or `user_id` and/or
    /// `team_id` instead of a key. Binding an identity again replaces what it was bound to.
    func bind(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("bind client certificates")
        let body = call.body
        let id = try body.required("identity")
        guard let kind = ClientCertificate.kind(of: id) else {
            let kinds = ClientCertificate.IdentityKind.allCases.map { $0.rawValue + ":…" }.joined(separator: ", ")
            throw GatewayError.badRequest("`identity` must be one of \(kinds).", param: "identity")
        }
        if kind != identity {
            throw GatewayError.badRequest("This listener reads certificates by \(identity.rawValue), not \(kind.rawValue).", param: "identity")
        }
        let keyID = try body.string("key_id").value
        let userID = try body.string("user_id").value
        let teamID = try body.string("team_id").value
        guard (keyID != nil) != (userID != nil || teamID != nil) else {
            throw GatewayError.badRequest("Bind to a `key_id`, or to a `user_id` and/or `team_id`.")
        }
        if let keyID, try await management.keys.key(id: keyID) == nil { throw GatewayError.keyNotFound() }
        if let userID { _ = try await management.user(userID) }
        if let teamID { _ = try await management.team(teamID) }
        let existing = try await management.store.certificates.binding(id: id)
        var binding = CertificateBinding(id: id, keyID: keyID, userID: userID, teamID: teamID, createdAt: existing?.createdAt ?? Date())
        binding.updatedAt = Date()
        if existing == nil {
            try await management.store.certificates.insert(binding)
        } else {
            try await management.store.certificates.update(binding)
        }
        return Changed(Self.json(binding), try await management.changed(binding, was: existing))
    }

    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await management.caller(context).requireReader("list certificate bindings")
        let paging = Paging(request)
        let bindings = try await management.store.certificates.bindings(limit: paging.size, offset: paging.offset)
        return Response.json(["bindings": .array(bindings.map(Self.json)), "current_page": JSONValue(paging.page)])
    }

    func unbind(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("unbind client certificates")
        let ids = try call.body.requiredList("identities")
        _ = try await management.store.certificates.delete(ids: ids)
        let removed = try await management.removed(ids.map { .certificate($0) })
        return Changed(["unbound": ManagementJSON.strings(ids)], removed)
    }

    static func json(_ binding: CertificateBinding) -> JSONValue {
        [
            "identity": .string(binding.id), "key_id": ManagementJSON.optional(binding.keyID), "user_id": ManagementJSON.optional(binding.userID),
            "team_id": ManagementJSON.optional(binding.teamID), "created_at": .string(ManagementJSON.timestamp(binding.createdAt)),
            "updated_at": .string(ManagementJSON.timestamp(binding.updatedAt)),
        ]
    }
}
