import Foundation
import GatehouseCore
import GatehouseStore
import HTTPTypes
public import Hummingbird
import NIOCore

/// LiteLLM's key management API: `/key/generate`, `/key/info`, `/key/list`, `/key/update`,
/// `/key/delete`, `/key/block`, `/key/unblock`. Every change is written to the store and applied
/// to the in-memory cache before the response, so it holds from the next request on.
public struct KeyRoutes: Sendable {
    let store: KeyStore
    let cache: KeyCache
    let feed: any KeyChangeFeed
    let maxBodyBytes = 1024 * 1024

    public init(store: KeyStore, cache: KeyCache, feed: any KeyChangeFeed) {
        self.store = store
        self.cache = cache
        self.feed = feed
    }

    /// This instance's cache first (the next request here sees the change), then the others'.
    func changed(_ key: VirtualKey) async throws {
        cache.put(key)
        try await feed.publish(keyID: key.id)
    }

    public func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.post("/key/generate") { request, context in try await self.generate(request, context) }
        router.get("/key/info") { request, context in try await self.info(request, context) }
        router.get("/key/list") { request, context in try await self.list(request, context) }
        router.post("/key/update") { request, context in try await self.update(request, context) }
        router.post("/key/delete") { request, context in try await self.delete(request, context) }
        router.post("/key/regenerate") { request, context in try await self.regenerate(nil, request, context) }
        router.post("/key/{key}/regenerate") { request, context in
            try await self.regenerate(context.parameters.get("key"), request, context)
        }
        router.post("/key/block") { request, context in try await self.setBlocked(true, request, context) }
        router.post("/key/unblock") { request, context in try await self.setBlocked(false, request, context) }
    }

    func generate(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try KeyRequest(try await json(request, context))
        let raw: String
        switch try body.string("key") {
        case .some(let supplied?):
            guard supplied.utf8.count >= APIKeyFormat.minimumImportedLength, supplied.hasPrefix("sk-") else {
                throw GatewayError.badRequest(
                    "A supplied `key` must start with `sk-` and be at least \(APIKeyFormat.minimumImportedLength) characters.", param: "key")
            }
            raw = supplied
        default:
            raw = APIKeyFormat.generate()
        }
        let now = Date()
        var key = VirtualKey(id: VirtualKey.newID(), hash: APIKeyFormat.hash(raw), display: APIKeyFormat.display(raw), createdAt: now)
        try body.apply(to: &key, now: now)
        if try await store.key(hash: key.hash) != nil {
            throw GatewayError.badRequest("This key already exists.", param: "key")
        }
        try await store.insert(key)
        try await changed(key)
        var answer = KeyJSON.info(key)
        answer["key"] = .string(raw)
        return Response.json(answer)
    }

    func info(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        guard let reference = request.uri.queryParameters.get("key") else {
            throw GatewayError.badRequest("`key` is required.", param: "key")
        }
        let key = try await find(reference)
        return Response.json(["key": .string(key.id), "info": KeyJSON.info(key)])
    }

    func list(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let query = request.uri.queryParameters
        let page = max(1, query.get("page", as: Int.self) ?? 1)
        let size = min(max(1, query.get("size", as: Int.self) ?? 10), 100)
        let full = query.get("return_full_object") == "true"
        let userID = query.get("user_id")
        let teamID = query.get("team_id")
        let keys = try await store.list(userID: userID, teamID: teamID, limit: size, offset: (page - 1) * size)
        let total = try await store.count(userID: userID, teamID: teamID)
        return Response.json([
            "keys": .array(keys.map { full ? KeyJSON.info($0) : .string($0.id) }),
            "total_count": JSONValue(total),
            "current_page": JSONValue(page),
            "total_pages": JSONValue((total + size - 1) / size),
        ])
    }

    func update(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try KeyRequest(try await json(request, context))
        guard case .some(let reference?) = try body.string("key") else { throw GatewayError.badRequest("`key` is required.", param: "key") }
        var key = try await find(reference)
        try body.apply(to: &key, now: Date())
        key.updatedAt = Date()
        try await store.update(key)
        try await changed(key)
        return Response.json(KeyJSON.info(key))
    }

    func delete(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try KeyRequest(try await json(request, context))
        guard let references = try body.strings("keys"), !references.isEmpty else {
            throw GatewayError.badRequest("`keys` must list the keys to delete.", param: "keys")
        }
        var ids: [String] = []
        for reference in references { ids.append(try await find(reference).id) }
        _ = try await store.delete(ids: ids)
        for id in ids {
            cache.remove(id: id)
            try await feed.publish(keyID: id)
        }
        return Response.json(["deleted_keys": .array(references.map(JSONValue.string))])
    }

    /// A new secret for the same key id (limits, spend and history stay). With `grace_period`
    /// (`30s`, `1h`, `1d`…) the old secret keeps working until then; without it, it stops at once.
    func regenerate(_ pathReference: String?, _ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try KeyRequest(try await json(request, context, emptyAllowed: true))
        let reference: String
        if let pathReference {
            reference = pathReference
        } else if case .some(let named?) = try body.string("key") {
            reference = named
        } else {
            throw GatewayError.badRequest("`key` is required.", param: "key")
        }
        var key = try await find(reference)
        let now = Date()
        switch try body.string("grace_period") {
        case .some(let period?):
            guard let seconds = DurationText.seconds(period) else {
                throw GatewayError.badRequest("`grace_period` must look like 30s, 1h or 1d.", param: "grace_period")
            }
            key.previousHash = key.hash
            key.previousValidUntil = now.addingTimeInterval(seconds)
        default:
            key.previousHash = nil
            key.previousValidUntil = nil
        }
        let raw = APIKeyFormat.generate()
        key.hash = APIKeyFormat.hash(raw)
        key.display = APIKeyFormat.display(raw)
        key.updatedAt = now
        try await store.update(key)
        try await changed(key)
        var answer = KeyJSON.info(key)
        answer["key"] = .string(raw)
        return Response.json(answer)
    }

    func setBlocked(_ blocked: Bool, _ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try requireAdmin(context)
        let body = try KeyRequest(try await json(request, context))
        guard case .some(let reference?) = try body.string("key") else { throw GatewayError.badRequest("`key` is required.", param: "key") }
        var key = try await find(reference)
        key.blocked = blocked
        key.updatedAt = Date()
        try await store.update(key)
        try await changed(key)
        return Response.json(KeyJSON.info(key))
    }

    /// A key named by its raw value (`sk-…`) or by its id (`token`).
    func find(_ reference: String) async throws -> VirtualKey {
        let found = reference.hasPrefix("sk-") ? try await store.key(hash: APIKeyFormat.hash(reference)) : try await store.key(id: reference)
        guard let found else { throw GatewayError.keyNotFound() }
        return found
    }

    /// Until roles land, only the master key (proxy admin) manages keys.
    func requireAdmin(_ context: GatewayRequestContext) throws {
        guard context.principal?.role == .proxyAdmin else {
            throw GatewayError.managementForbidden("Only a proxy admin may manage keys.")
        }
    }

    func json(_ request: Request, _ context: GatewayRequestContext, emptyAllowed: Bool = false) async throws -> JSONValue {
        let bytes = try await request.body.collect(upTo: maxBodyBytes)
        if emptyAllowed, bytes.readableBytes == 0 { return [:] }
        do {
            return try JSONCoding.decode(bytes.readableBytesView)
        } catch {
            throw GatewayError.badRequest("Request body is not valid JSON.")
        }
    }

}

/// A key as the management API shows it (LiteLLM's field names). Never the hash, never the key.
enum KeyJSON {
    static func info(_ key: VirtualKey) -> JSONValue {
        var info: [String: JSONValue] = [:]
        info["token"] = .string(key.id)
        info["key_name"] = .string(key.display)
        info["key_alias"] = key.alias.map(JSONValue.string) ?? .null
        info["models"] = .array(key.models.map(JSONValue.string))
        info["metadata"] = key.metadata
        info["user_id"] = key.userID.map(JSONValue.string) ?? .null
        info["team_id"] = key.teamID.map(JSONValue.string) ?? .null
        info["organization_id"] = key.organizationID.map(JSONValue.string) ?? .null
        info["max_budget"] = key.maxBudget.map(JSONValue.number) ?? .null
        info["budget_duration"] = key.budgetDuration.map(JSONValue.string) ?? .null
        info["rpm_limit"] = key.rpmLimit.map { JSONValue($0) } ?? .null
        info["tpm_limit"] = key.tpmLimit.map { JSONValue($0) } ?? .null
        info["max_parallel_requests"] = key.maxParallelRequests.map { JSONValue($0) } ?? .null
        info["allowed_routes"] = .array(key.allowedRoutes.map(JSONValue.string))
        info["blocked"] = .bool(key.blocked)
        info["expires"] = key.expiresAt.map { JSONValue.string(timestamp($0)) } ?? .null
        info["created_at"] = .string(timestamp(key.createdAt))
        info["updated_at"] = .string(timestamp(key.updatedAt))
        info["spend"] = .number(key.spend)
        return .object(info)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
