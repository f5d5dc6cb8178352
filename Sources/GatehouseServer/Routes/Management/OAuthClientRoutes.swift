import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
public import Hummingbird

/// Registering the clients of Gatehouse's authorization server: `/oauth/client/new`, `/info`,
/// `/list`, `/update`, `/delete`, `/regenerate_secret`, and `/oauth/keys/rotate` for the signing
/// key. Proxy admins change them; viewers read them. A secret is shown once, stored as SHA-256.
public struct OAuthClientRoutes: Sendable {
    let management: Management
    let ring: SigningKeyRing

    init(management: Management, ring: SigningKeyRing) {
        self.management = management
        self.ring = ring
    }

    public func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.changing("/oauth/client/new", .post, trail: management.trail) { call, _ in try await self.new(call) }
        router.get("/oauth/client/info") { request, context in try await self.info(request, context) }
        router.get("/oauth/client/list") { request, context in try await self.list(request, context) }
        router.changing("/oauth/client/update", .post, trail: management.trail) { call, _ in try await self.update(call) }
        router.changing("/oauth/client/delete", .post, trail: management.trail) { call, _ in try await self.delete(call) }
        router.changing("/oauth/client/regenerate_secret", .post, trail: management.trail) { call, _ in
            try await self.regenerate(call)
        }
        router.changing("/oauth/keys/rotate", .post, trail: management.trail, emptyAllowed: true) { call, _ in
            try await management.caller(call.principal).requireAdmin("rotate signing keys")
            let kid = try await ring.rotate()
            return Changed(["kid": .string(kid)], RecordChange("signing_key:\(kid)", before: nil, after: ["kid": .string(kid)]))
        }
    }

    func new(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("register OAuth clients")
        let body = call.body
        let secret = OAuthClient.newSecret()
        let id = try body.string("client_id").value ?? DirectoryID.new("client")
        guard id != OAuthClient.commandLine else { throw GatewayError.badRequest("`\(id)` is Gatehouse's own client.", param: "client_id") }
        let isPublic = try body.bool("public") ?? false
        // A public client has no secret: nothing can match an empty hash.
        var client = OAuthClient(id: id, secretHash: isPublic ? "" : APIKeyFormat.hash(secret))
        client.isPublic = isPublic
        try body.apply(to: &client)
        try Self.check(client)
        if try await management.store.oauth.client(id: id) != nil {
            throw GatewayError.badRequest("Client \(id) already exists.", param: "client_id")
        }
        if let teamID = client.teamID { _ = try await management.team(teamID) }
        try await management.store.oauth.insert(client)
        let change = try await management.changed(client)
        var answer = ManagementJSON.oauthClient(client)
        if !isPublic { answer["client_secret"] = .string(secret) }
        return Changed(answer, change)
    }

    /// A client's grants must fit what it is: a public client proves nothing by itself, so it may
    /// not take client credentials; codes need somewhere to go.
    static func check(_ client: OAuthClient) throws {
        if client.isPublic, client.grantTypes.contains(OAuthClient.Grant.clientCredentials) {
            throw GatewayError.badRequest("A public client has no secret: it may not use the client_credentials grant.", param: "grant_types")
        }
        if client.grantTypes.contains(OAuthClient.Grant.authorizationCode), client.redirectURIs.isEmpty {
            throw GatewayError.badRequest("The authorization_code grant needs `redirect_uris`.", param: "redirect_uris")
        }
    }

    func info(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        guard let id = request.uri.queryParameters.get("client_id") else {
            throw GatewayError.badRequest("`client_id` is required.", param: "client_id")
        }
        return Response.json(ManagementJSON.oauthClient(try await client(id)))
    }

    func list(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        try await requireReader(context)
        let paging = Paging(request)
        let clients = try await management.store.oauth.clients(limit: paging.size, offset: paging.offset)
        return Response.json(["clients": .array(clients.map(ManagementJSON.oauthClient)), "current_page": JSONValue(paging.page)])
    }

    func update(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change OAuth clients")
        let body = call.body
        var client = try await client(try body.required("client_id"))
        let old = client
        try body.apply(to: &client)
        try Self.check(client)
        if let teamID = client.teamID { _ = try await management.team(teamID) }
        client.updatedAt = Date()
        try await management.store.oauth.update(client)
        let change = try await management.changed(client, was: old)
        return Changed(ManagementJSON.oauthClient(client), change)
    }

    /// Deleting a client ends its tokens at once: they name a client that no longer exists.
    func delete(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("delete OAuth clients")
        let ids = try call.body.requiredList("client_ids")
        for id in ids { _ = try await client(id) }
        _ = try await management.store.oauth.deleteClients(ids: ids)
        let removed = try await management.removed(ids.map { .oauthClient($0) })
        return Changed(["deleted_clients": ManagementJSON.strings(ids)], removed)
    }

    /// A new secret; the old one stops working at once (tokens already issued stay valid until
    /// they expire, unless revoked).
    func regenerate(_ call: ManagementCall) async throws -> Changed {
        try await management.caller(call.principal).requireAdmin("change OAuth clients")
        var client = try await client(try call.body.required("client_id"))
        guard !client.isPublic else { throw GatewayError.badRequest("A public client has no secret.", param: "client_id") }
        let old = client
        let secret = OAuthClient.newSecret()
        client.secretHash = APIKeyFormat.hash(secret)
        client.updatedAt = Date()
        try await management.store.oauth.update(client)
        // Shown without the secret's hash, the client looks the same: the change says what it was.
        _ = try await management.changed(client, was: old)
        var answer = ManagementJSON.oauthClient(client)
        answer["client_secret"] = .string(secret)
        return Changed(answer, RecordChange(client.ref, before: [:], after: ["secret_regenerated": true]))
    }

    func client(_ id: String) async throws -> OAuthClient {
        guard let client = try await management.store.oauth.client(id: id) else {
            throw GatewayError.managementNotFound("Client \(id) not found.", param: "client_id")
        }
        return client
    }

    func requireReader(_ context: AuthenticatedContext) async throws {
        try await management.caller(context).requireReader("read OAuth clients")
    }
}
