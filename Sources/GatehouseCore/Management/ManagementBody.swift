import Foundation

/// A management request's JSON body, read field by field with LiteLLM's names and a 400 naming the
/// field when one has the wrong type.
public struct ManagementBody: Sendable {
    public let body: JSONValue

    /// - Throws: 400 for a body that is not an object, or whose field holds a NUL character
    ///   anywhere (PostgreSQL can store no text with one and SQLite cuts a text at it: refused here,
    ///   named, rather than failing in the store).
    public init(_ body: JSONValue) throws {
        guard case .object(let fields) = body else { throw GatewayError.badRequest("Request body must be a JSON object.") }
        for (name, value) in fields where name.utf8.contains(0) || Self.holdsNUL(value) {
            let shown = name.utf8.contains(0) ? "A field name" : "`\(name)`"
            throw GatewayError.badRequest("\(shown) may not contain a NUL character.", param: name.utf8.contains(0) ? nil : name)
        }
        self.body = body
    }

    private static func holdsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.utf8.contains(0)
        case .array(let items): items.contains(where: holdsNUL)
        case .object(let fields): fields.contains { $0.key.utf8.contains(0) || holdsNUL($0.value) }
        case .null, .bool, .number: false
        }
    }

    /// A body as it arrived. - Parameter emptyAllowed: whether no bytes at all read as `{}`.
    public init(parsing bytes: some Collection<UInt8>, emptyAllowed: Bool = false) throws {
        if emptyAllowed, bytes.isEmpty {
            try self.init([:])
            return
        }
        let json: JSONValue
        do {
            json = try JSONCoding.decode(bytes)
        } catch {
            throw GatewayError.badRequest("Request body is not valid JSON.")
        }
        try self.init(json)
    }

    public func string(_ name: String) throws -> Field<String> {
        switch body[name] {
        case nil: return .absent
        case .null?: return .null
        case .string(let value)?: return .value(value)
        default: throw GatewayError.badRequest("`\(name)` must be a string.", param: name)
        }
    }

    public func strings(_ name: String) throws -> [String]? {
        switch body[name] {
        case nil: return nil
        case .null?: return []
        case .array(let items)?:
            return try items.map { item in
                guard let value = item.stringValue else { throw GatewayError.badRequest("`\(name)` must be a list of strings.", param: name) }
                return value
            }
        default: throw GatewayError.badRequest("`\(name)` must be a list of strings.", param: name)
        }
    }

    public func number(_ name: String) throws -> Field<Double> {
        switch body[name] {
        case nil: return .absent
        case .null?: return .null
        case .number(let number)? where number.value >= 0: return .value(number.value)
        default: throw GatewayError.badRequest("`\(name)` must be a non-negative number.", param: name)
        }
    }

    public func integer(_ name: String) throws -> Field<Int> {
        switch body[name] {
        case nil: return .absent
        case .null?: return .null
        case let value? where value.intValue.map { $0 >= 0 } == true: return .value(value.intValue!)
        default: throw GatewayError.badRequest("`\(name)` must be a non-negative integer.", param: name)
        }
    }

    public func bool(_ name: String) throws -> Bool? {
        switch body[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw GatewayError.badRequest("`\(name)` must be true or false.", param: name)
        }
    }

    /// The body's `metadata` object, if present (`null` clears it).
    public func metadata() throws -> JSONValue? {
        switch body["metadata"] {
        case nil: return nil
        case .null?: return [:]
        case .object?: return body["metadata"]!
        default: throw GatewayError.badRequest("`metadata` must be an object.", param: "metadata")
        }
    }

    /// The body's `user_role`, if present and one Gatehouse knows.
    public func role(_ name: String = "user_role") throws -> Principal.Role? {
        guard let text = try string(name).value else { return nil }
        guard let role = Principal.Role(rawValue: text) else {
            throw GatewayError.badRequest(
                "`\(name)` must be proxy_admin, proxy_admin_viewer, internal_user or internal_user_viewer.", param: name)
        }
        return role
    }

    /// Applies the limit fields present in the body.
    public func apply(to limits: inout Limits) throws {
        try number("max_budget").apply(to: &limits.maxBudget)
        try number("soft_budget").apply(to: &limits.softBudget)
        try budgetDuration().apply(to: &limits.budgetDuration)
        try integer("rpm_limit").apply(to: &limits.rpmLimit)
        try integer("tpm_limit").apply(to: &limits.tpmLimit)
        try integer("rpd_limit").apply(to: &limits.rpdLimit)
        try integer("tpd_limit").apply(to: &limits.tpdLimit)
        try integer("max_parallel_requests").apply(to: &limits.maxParallelRequests)
        try string("budget_admission").map { text in
            guard let mode = BudgetAdmission(rawValue: text) else {
                throw GatewayError.badRequest("`budget_admission` must be reserve, spend or fit.", param: "budget_admission")
            }
            return mode
        }.apply(to: &limits.budgetAdmission)
        if let perModel = try modelLimits("model_rpm_limit") { limits.modelRPMLimit = perModel }
        if let perModel = try modelLimits("model_tpm_limit") { limits.modelTPMLimit = perModel }
        if let networks = try strings("allowed_ips") {
            limits.allowedIPs = try networks.map { text in
                guard let network = IPNetwork(text) else {
                    throw GatewayError.badRequest("`allowed_ips`: `\(text)` is not an IP address or CIDR network.", param: "allowed_ips")
                }
                return network
            }
        }
    }

    /// `budget_duration`, checked to be a period.
    func budgetDuration() throws -> Field<String> {
        try string("budget_duration").map { period in
            guard BudgetPeriod(period) != nil else {
                throw GatewayError.badRequest("`budget_duration` must look like 30s, 15m, 1h, 1d, 7d, 2w or 1mo.", param: "budget_duration")
            }
            return period
        }
    }

    /// `{"gpt-4o": 10}`: a limit per model name.
    public func modelLimits(_ name: String) throws -> [String: Int]? {
        switch body[name] {
        case nil: return nil
        case .null?: return [:]
        case .object(let entries)?:
            return try entries.mapValues { value in
                guard let limit = value.intValue, limit >= 0 else {
                    throw GatewayError.badRequest("`\(name)` must map model names to non-negative integers.", param: name)
                }
                return limit
            }
        default: throw GatewayError.badRequest("`\(name)` must map model names to non-negative integers.", param: name)
        }
    }

    /// A required string field.
    public func required(_ name: String) throws -> String {
        guard let value = try string(name).value, !value.isEmpty else {
            throw GatewayError.badRequest("`\(name)` is required.", param: name)
        }
        return value
    }

    /// A required, non-empty list of ids.
    public func requiredList(_ name: String) throws -> [String] {
        guard let values = try strings(name), !values.isEmpty else {
            throw GatewayError.badRequest("`\(name)` must list at least one id.", param: name)
        }
        return values
    }
}

extension GatewayError {
    /// LiteLLM's management endpoints call these `bad_request_error`.
    public static func badRequest(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 400, message: message, type: "bad_request_error", param: param, code: "400")
    }

    public static func managementForbidden(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 403, message: message, type: "auth_error", param: param, code: "403")
    }

    public static func keyNotFound() -> GatewayError {
        managementNotFound("Key not found.", param: "key")
    }

    public static func managementNotFound(_ message: String, param: String) -> GatewayError {
        GatewayError(status: 404, message: message, type: "not_found_error", param: param, code: "404")
    }
}
