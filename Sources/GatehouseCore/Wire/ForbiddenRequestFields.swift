/// The request fields that would redirect the upstream or inject headers: a client never chooses
/// where the provider key goes.
public enum ForbiddenRequestFields {
    public static let names = [
        "api_base", "base_url", "api_key", "api_version", "extra_headers", "headers", "azure_endpoint",
        "custom_llm_provider", "litellm_params", "organization",
    ]

    public static func first(in body: JSONValue) -> String? {
        guard case .object(let object) = body else { return nil }
        return names.first { object[$0] != nil }
    }
}
