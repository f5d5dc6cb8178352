import GatehouseCore
import HTTPTypes
import Hummingbird

/// Records every management request refused with 403 (who, from where, the route, why). What
/// a request changed is recorded by the route itself (`changing`), from what its handler returns.
struct ManagementAuditMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedContext
    let audit: Audit

    @concurrent func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayError where error.status == 403 && request.method != .get {
            audit.record(
                AuditEvent(
                    action: Self.action(context.endpointPath ?? "unknown"), actor: context.principal.id, outcome: .denied,
                    address: context.clientAddress, details: ["reason": .string(error.message)]))
            throw error
        }
    }

    /// `/key/{key}/regenerate` → `key.regenerate`: the route, never a value from the path (a
    /// key may be named by itself there).
    static func action(_ endpoint: String) -> String {
        endpoint.split(separator: "/").filter { !$0.hasPrefix("{") && !$0.hasPrefix(":") }.joined(separator: ".")
    }
}

extension RouterMethods<AuthenticatedContext> {
    /// Registers a route that changes records. Its operation is given the call (who, and the
    /// body) and answers with what it changed, which becomes the route's audit record with the
    /// request (secrets masked).
    /// - Parameter emptyAllowed: whether a request without a body reads as `{}`.
    @discardableResult
    func changing(
        _ path: String, _ methods: HTTPRequest.Method..., trail: Audit, emptyAllowed: Bool = false,
        _ operation: @escaping @Sendable (ManagementCall, AuthenticatedContext) async throws -> Changed
    ) -> Self {
        let action = ManagementAuditMiddleware.action(path)
        for method in methods {
            on(RouterPath(path), method: method) { request, context in
                let bytes = try await request.body.collect(upTo: Management.maxBodyBytes)
                let body = try ManagementBody(parsing: bytes.readableBytesView, emptyAllowed: emptyAllowed)
                let changed = try await operation(ManagementCall(principal: context.principal, body: body), context)
                trail.record(
                    changed, action: action, by: context.principal, address: context.clientAddress,
                    request: bytes.readableBytesView.isEmpty ? nil : body.body)
                return Response.json(changed.answer)
            }
        }
        return self
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

extension Audit {
    /// A management change's record: what changed, and the request (secrets masked).
    /// - Parameter via: where the change was made, when not the API (`console`).
    func record(_ changed: Changed, action: String, by principal: Principal, address: String?, request: JSONValue?, via: String? = nil) {
        var details: JSONValue = ["changes": .array(changed.changes.map(\.audited))]
        if let request { details["request"] = SecretMask.mask(request) }
        if let via { details["via"] = .string(via) }
        record(
            AuditEvent(
                action: action, actor: principal.id, object: changed.changes.first?.object, outcome: .success, address: address, details: details))
    }
}
