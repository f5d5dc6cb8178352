import GatehouseCore
import Hummingbird
import Synchronization

/// The management request being served, for its audit record: the objects it changed, each
/// with what changed (before → after, as the management API shows them, secrets masked).
final class AuditScope: Sendable {
    @TaskLocal static var current: AuditScope?
    private let changes = Mutex<[JSONValue]>([])

    /// Notes a change to `object`: created when `before` is nil, deleted when `after` is nil,
    /// else only the fields that differ.
    static func changed(_ object: ObjectRef, before: JSONValue?, after: JSONValue?) {
        changed(object.description, before: before, after: after)
    }

    /// The same for what is not a directory object (a lockout block).
    static func changed(_ object: String, before: JSONValue?, after: JSONValue?) {
        guard let scope = current else { return }
        var change: JSONValue = ["object": .string(object)]
        switch (before, after) {
        case (.object(let old)?, .object(let new)?):
            let fields = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] && $0 != "updated_at" }
            change["before"] = .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, old[$0] ?? .null) }))
            change["after"] = .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, new[$0] ?? .null) }))
        case (nil, let new?): change["created"] = new
        case (let old?, nil): change["deleted"] = old
        default: change["deleted"] = true
        }
        let masked = SecretMask.mask(change)
        scope.changes.withLock { $0.append(masked) }
    }

    var recorded: [JSONValue] { changes.withLock { $0 } }
}

/// Records every management request that changes something (who, from where, the route, the
/// request with secrets masked, and the changes it made), and every one that was refused (403).
struct ManagementAuditMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedContext
    let audit: Audit
    static let maxBodyBytes = 1024 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let action = Self.action(context.endpointPath ?? "unknown")
        let actor = context.principal.id
        do {
            guard request.method != .get else { return try await next(request, context) }
            var request = request
            let body = try await request.collectBody(upTo: Self.maxBodyBytes)
            let scope = AuditScope()
            let response = try await AuditScope.$current.withValue(scope) { try await next(request, context) }
            var details: JSONValue = ["changes": .array(scope.recorded)]
            if let json = try? JSONCoding.decode(body.readableBytesView) { details["request"] = SecretMask.mask(json) }
            let object = scope.recorded.first?["object"]?.stringValue
            audit.record(
                AuditEvent(action: action, actor: actor, object: object, outcome: .success, address: context.clientAddress, details: details))
            return response
        } catch let error as GatewayError where error.status == 403 {
            audit.record(
                AuditEvent(
                    action: action, actor: actor, outcome: .denied, address: context.clientAddress, details: ["reason": .string(error.message)]))
            throw error
        }
    }

    /// `/key/{key}/regenerate` → `key.regenerate`: the route, never a value from the path (a
    /// key may be named by itself there).
    static func action(_ endpoint: String) -> String {
        endpoint.split(separator: "/").filter { !$0.hasPrefix("{") && !$0.hasPrefix(":") }.joined(separator: ".")
    }
}

/// Keeps secrets out of audit records: values of fields named like secrets or `key` (which may
/// hold a key itself), and any string that looks like a Gatehouse key (shown as `sk-…abcd`), at
/// any depth.
enum SecretMask {
    static let secretNames = ["secret", "password", "api_key", "apikey", "authorization", "private", "credential", "token"]

    static func mask(_ value: JSONValue, name: String? = nil) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, mask($0.value, name: $0.key)) }))
        case .array(let items):
            return .array(items.map { mask($0, name: name) })
        case .string(let text):
            if text.hasPrefix("sk-") { return .string(APIKeyFormat.display(text)) }
            if let name = name?.lowercased(),
                name == "key" || name == "keys" || (secretNames.contains(where: { name.contains($0) }) && !isIdentifier(name))
            {
                return "****"
            }
            return value
        default:
            return value
        }
    }

    /// Fields whose names sound secret but hold ids (`token` in key answers is the key's id).
    static func isIdentifier(_ name: String) -> Bool { name == "token" || name.hasSuffix("_id") }
}
