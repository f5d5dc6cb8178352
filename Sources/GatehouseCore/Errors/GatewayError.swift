/// The one error type that reaches a client. It knows its HTTP status and renders itself in the
/// OpenAI envelope `{"error":{"message","type","param","code"}}` or the Anthropic one.
public struct GatewayError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    /// OpenAI `type`, e.g. `invalid_request_error`, `authentication_error`.
    public var type: String
    public var param: String?
    public var code: String?
    /// Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`.
    public var headers: [(String, String)]

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil, headers: [(String, String)] = []) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers
    }

    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message && lhs.type == rhs.type && lhs.param == rhs.param
            && lhs.code == rhs.code && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}

extension GatewayError {
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> Self {
        .init(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    public static func unauthorized(_ message: String) -> Self {
        .init(
            status: 401, message: message, type: "authentication_error", code: "invalid_api_key",
            headers: [("WWW-Authenticate", #"Bearer realm="gatehouse""#)]
        )
    }

    public static func forbidden(_ message: String, param: String? = nil) -> Self {
        .init(status: 403, message: message, type: "permission_error", param: param, code: "forbidden")
    }

    /// A model the credential, or a level above it, does not admit, typed as LiteLLM 1.108 types
    /// it (`key_model_access_denied`, `team_model_access_denied`, `user_…`, `org_…`).
    public static func modelAccessDenied(_ model: String, level: LimitLevel) -> Self {
        let (owner, named): (String, String)
        switch level {
        case .team: (owner, named) = ("team", "this credential's team")
        case .teamMember: (owner, named) = ("team", "this credential's user in its team")
        case .user: (owner, named) = ("user", "this credential's user")
        case .organization: (owner, named) = ("org", "this credential's organization")
        case .endUser: (owner, named) = ("customer", "this end user")
        case .key, .token, .client: (owner, named) = ("key", "this credential")
        }
        return .init(
            status: 403, message: "The requested model `\(model)` is not available to \(named).", type: "\(owner)_model_access_denied",
            param: "model", code: "forbidden")
    }

    public static func notFound(_ message: String, param: String? = nil) -> Self {
        .init(status: 404, message: message, type: "invalid_request_error", param: param, code: "not_found")
    }

    public static func modelNotFound(_ model: String) -> Self {
        .init(
            status: 404, message: "The model `\(model)` does not exist or you do not have access to it.", type: "invalid_request_error",
            param: "model", code: "model_not_found")
    }

    public static func conflict(_ message: String, param: String? = nil) -> Self {
        .init(status: 409, message: message, type: "invalid_request_error", param: param, code: "conflict")
    }

    public static func payloadTooLarge(limit: Int) -> Self {
        .init(
            status: 413, message: "Request body is larger than the limit of \(limit) bytes.", type: "invalid_request_error", code: "request_too_large"
        )
    }

    public static func upstream(status: Int, message: String) -> Self {
        .init(status: status, message: message, type: status == 429 ? "rate_limit_error" : "api_error", code: "upstream_error")
    }

    public static func timeout(_ message: String) -> Self {
        .init(status: 504, message: message, type: "timeout", code: "upstream_timeout")
    }

    public static func internalError(_ message: String = "Internal error.") -> Self {
        .init(status: 500, message: message, type: "api_error", code: "internal_error")
    }

    public static func unavailable(_ message: String) -> Self {
        .init(status: 503, message: message, type: "api_error", code: "service_unavailable")
    }
}

extension GatewayError {
    /// `{"error":{"message","type","param","code"}}` as OpenAI clients expect.
    public var openAIBody: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type),
                "param": param.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }

    /// `{"type":"error","error":{"type","message"}}` as Anthropic clients expect.
    public var anthropicBody: JSONValue {
        ["type": "error", "error": ["type": .string(anthropicType), "message": .string(message)]]
    }

    private var anthropicType: String {
        switch status {
        case 400, 413: return status == 413 ? "request_too_large" : "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 503, 529: return "overloaded_error"
        default: return "api_error"
        }
    }
}
