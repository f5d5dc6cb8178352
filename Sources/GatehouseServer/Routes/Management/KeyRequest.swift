import Foundation
import GatehouseCore

/// The fields of `/key/generate` and `/key/update` bodies (LiteLLM's names), validated.
struct KeyRequest {
    let body: JSONValue

    init(_ body: JSONValue) throws {
        guard case .object = body else { throw GatewayError.badRequest("Request body must be a JSON object.") }
        self.body = body
    }

    func string(_ name: String) throws -> String?? {
        switch body[name] {
        case nil: return .none
        case .null?: return .some(nil)
        case .string(let value)?: return .some(value)
        default: throw GatewayError.badRequest("`\(name)` must be a string.", param: name)
        }
    }

    func strings(_ name: String) throws -> [String]? {
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

    func number(_ name: String) throws -> Double?? {
        switch body[name] {
        case nil: return .none
        case .null?: return .some(nil)
        case .number(let value)? where value >= 0: return .some(value)
        default: throw GatewayError.badRequest("`\(name)` must be a non-negative number.", param: name)
        }
    }

    func integer(_ name: String) throws -> Int?? {
        switch body[name] {
        case nil: return .none
        case .null?: return .some(nil)
        case let value? where value.intValue.map { $0 >= 0 } == true: return .some(value.intValue)
        default: throw GatewayError.badRequest("`\(name)` must be a non-negative integer.", param: name)
        }
    }

    func bool(_ name: String) throws -> Bool? {
        switch body[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw GatewayError.badRequest("`\(name)` must be true or false.", param: name)
        }
    }

    /// Applies the updatable fields present in the body to `key`.
    func apply(to key: inout VirtualKey, now: Date) throws {
        if let alias = try string("key_alias") { key.alias = alias }
        if let models = try strings("models") { key.models = models }
        if let routes = try strings("allowed_routes") { key.allowedRoutes = routes }
        switch body["metadata"] {
        case nil: break
        case .null?: key.metadata = [:]
        case .object?: key.metadata = body["metadata"]!
        default: throw GatewayError.badRequest("`metadata` must be an object.", param: "metadata")
        }
        if let user = try string("user_id") { key.userID = user }
        if let team = try string("team_id") { key.teamID = team }
        if let organization = try string("organization_id") { key.organizationID = organization }
        if let budget = try number("max_budget") { key.maxBudget = budget }
        if let period = try string("budget_duration") {
            if let period, DurationText.seconds(period) == nil {
                throw GatewayError.badRequest("`budget_duration` must look like 30s, 1h, 1d, 7d or 1mo.", param: "budget_duration")
            }
            key.budgetDuration = period
        }
        if let rpm = try integer("rpm_limit") { key.rpmLimit = rpm }
        if let tpm = try integer("tpm_limit") { key.tpmLimit = tpm }
        if let parallel = try integer("max_parallel_requests") { key.maxParallelRequests = parallel }
        if let blocked = try bool("blocked") { key.blocked = blocked }
        if let duration = try string("duration") {
            if let duration {
                guard let seconds = DurationText.seconds(duration) else {
                    throw GatewayError.badRequest("`duration` must look like 30s, 1h, 1d, 7d or 1mo.", param: "duration")
                }
                key.expiresAt = now.addingTimeInterval(seconds)
            } else {
                key.expiresAt = nil
            }
        }
    }
}

extension GatewayError {
    /// LiteLLM's management endpoints call these `bad_request_error`.
    static func badRequest(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 400, message: message, type: "bad_request_error", param: param, code: "400")
    }

    static func managementForbidden(_ message: String) -> GatewayError {
        GatewayError(status: 403, message: message, type: "auth_error", code: "403")
    }

    static func keyNotFound() -> GatewayError {
        GatewayError(status: 404, message: "Key not found.", type: "not_found_error", param: "key", code: "404")
    }
}
