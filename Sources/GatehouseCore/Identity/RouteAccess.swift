/// Which request paths a list of allowed routes admits (LiteLLM's `allowed_routes`): exact paths,
/// `prefix/*` wildcards and the route groups `llm_api_routes`, `info_routes` and
/// `management_routes`. An empty list admits every route the principal's role allows.
public enum RouteAccess {
    static let groups: [String: [String]] = [
        "llm_api_routes": [
            "/v1/chat/completions", "/chat/completions", "/v1/completions", "/completions", "/v1/embeddings", "/embeddings",
            "/v1/messages", "/messages", "/v1/messages/count_tokens", "/messages/count_tokens", "/v1/responses", "/responses",
            "/v1/responses/*", "/responses/*", "/openai/deployments/*", "/v1/moderations", "/moderations", "/v1/images/generations",
            "/images/generations", "/v1/audio/speech", "/audio/speech", "/v1/audio/transcriptions", "/audio/transcriptions", "/v1/models", "/models",
            "/v1/models/*", "/models/*",
        ],
        "info_routes": ["/key/info", "/v1/models", "/models", "/v1/models/*", "/models/*"],
        "management_routes": [
            "/key/*", "/user/*", "/team/*", "/organization/*", "/oauth/client/*", "/oauth/keys/*", "/spend/*", "/global/spend", "/global/spend/*",
            "/certificate/*", "/audit", "/lockout/*", "/customer/*", "/end_user/*", "/budget/*", "/model/*",
        ],
    ]

    public static func allows(_ allowed: [String], path: String) -> Bool {
        guard !allowed.isEmpty else { return true }
        return allowed.contains { entry in
            (groups[entry] ?? [entry]).contains { pattern in
                pattern.hasSuffix("/*") ? path.hasPrefix(pattern.dropLast()) : pattern == path
            }
        }
    }
}
