import HTTPTypes

/// Which requests the data plane takes from the connection: `POST` to a model route whose body is
/// one JSON document within `max_request_body_bytes` (`ProxyRoutes.jsonRoutes`, the Responses API
/// and Anthropic's token count, under `/v1/` and `/`, and the Azure OpenAI SDK's
/// `/openai/deployments/{deployment}/…`). Anything else — audio transcriptions (multipart, with
/// their own larger bound), reading or deleting stored responses, and any spelling of these the
/// table does not know — goes on to Hummingbird's router, which serves the same routes: missing a
/// request here costs speed, never behaviour.
enum DataPlaneRoutes {
    private static let paths: Set<String> = Set(
        (ProxyRoutes.jsonRoutes.map(\.0) + [ProxyRoutes.responsesPath, ProxyRoutes.countTokensPath]).flatMap { ["/v1/" + $0, "/" + $0] })
    private static let azurePaths: Set<String> = Set(ProxyRoutes.azureRoutes.map { path, _ in path })
    private static let azurePrefix = "/openai/deployments/"

    static func takes(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, let target = head.path else { return false }
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        if paths.contains(String(path)) { return true }
        guard path.hasPrefix(azurePrefix) else { return false }
        let rest = path.dropFirst(azurePrefix.count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return false }
        return azurePaths.contains(String(rest[rest.index(after: slash)...]))
    }
}
