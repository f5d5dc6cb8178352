import HTTPTypes

/// Which requests the data plane takes from the connection, and with which bound: `POST` to a
/// model route whose body is one JSON document within `max_request_body_bytes`
/// (`ProxyRoutes.jsonRoutes`, the Responses API and Anthropic's token count), or an audio upload
/// within `max_audio_request_bytes` (transcriptions) — each under `/v1/` and `/`, and the Azure
/// OpenAI SDK's `/openai/deployments/{deployment}/…` where it has one. Anything else — reading or
/// deleting stored responses, and any spelling of these the table does not know — goes on to
/// Hummingbird's router, which serves the same routes: missing a request here costs speed, never
/// behaviour.
enum DataPlaneRoutes {
    enum Route: Equatable {
        /// One JSON document within `max_request_body_bytes`.
        case json
        /// A `multipart/form-data` upload within `max_audio_request_bytes`.
        case upload
    }

    private static let routes: [String: Route] = Dictionary(
        uniqueKeysWithValues: ((ProxyRoutes.jsonRoutes.map(\.0) + [ProxyRoutes.responsesPath, ProxyRoutes.countTokensPath]).map { ($0, Route.json) }
            + [(ProxyRoutes.transcriptionsPath, Route.upload)]).flatMap { path, route in [("/v1/" + path, route), ("/" + path, route)] })
    private static let azureRoutes: [String: Route] = Dictionary(
        uniqueKeysWithValues: ProxyRoutes.azureRoutes.map { path, _ in (path, Route.json) } + [(ProxyRoutes.transcriptionsPath, Route.upload)])
    private static let azurePrefix = "/openai/deployments/"

    /// The route a request's head names, or nil for a request Hummingbird's server answers.
    static func route(of head: HTTPRequest) -> Route? {
        guard head.method == .post, let target = head.path else { return nil }
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        if let route = routes[String(path)] { return route }
        guard path.hasPrefix(azurePrefix) else { return nil }
        let rest = path.dropFirst(azurePrefix.count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        return azureRoutes[String(rest[rest.index(after: slash)...])]
    }
}
