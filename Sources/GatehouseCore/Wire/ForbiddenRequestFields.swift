/// The request fields that would redirect the upstream or inject headers: a client never chooses
/// where the provider key goes.
public enum ForbiddenRequestFields {
    public static let names = [
        "api_base", "base_url", "api_key", "api_version", "extra_headers", "headers", "azure_endpoint",
        "custom_llm_provider", "litellm_params", "organization",
    ]
    private static let order = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })

    /// The first of `names` (in their order, whatever the body's) that the body has.
    public static func first(in body: JSONValue) -> String? {
        guard case .object(let object) = body else { return nil }
        guard object.count < names.count else { return names.first { object[$0] != nil } }
        // A body has a few members: each is looked up once, not each of the names in the body.
        var first: Int?
        for key in object.keys {
            if let index = order[key], index < first ?? names.count { first = index }
        }
        return first.map { names[$0] }
    }
}
