import NIOHTTP1

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

    /// What a request's head names: its bound, and for a route with a fixed path (not Azure's,
    /// whose path names a deployment), that path's place in `fixedPaths`.
    struct Match: Equatable {
        let route: Route
        let fixed: Int?
    }

    /// The routes with a fixed path, each under `/v1/` and `/`: the data plane answers these
    /// without the router's lookup (`DataPlane.fixed`).
    static let fixedPaths: [(path: String, route: Route)] =
        ((ProxyRoutes.jsonRoutes.map(\.0) + [ProxyRoutes.responsesPath, ProxyRoutes.countTokensPath]).map { ($0, Route.json) }
        + [(ProxyRoutes.transcriptionsPath, Route.upload)]).flatMap { path, route in [("/v1/" + path, route), ("/" + path, route)] }
    /// Keyed by `Substring`, so that looking up a request's path (the target up to its query)
    /// makes no `String` of it.
    private static let fixed: [Substring: Match] = Dictionary(
        uniqueKeysWithValues: fixedPaths.enumerated().map { index, entry in (entry.path[...], Match(route: entry.route, fixed: index)) })
    private static let azureRoutes: [Substring: Route] = Dictionary(
        uniqueKeysWithValues: ProxyRoutes.azureRoutes.map { path, _ in (path[...], Route.json) }
            + [(ProxyRoutes.transcriptionsPath[...], Route.upload)])
    private static let azurePrefix = "/openai/deployments/"

    /// What a request line names, or nil for a request Hummingbird's server answers. Every route
    /// here is in origin form (`/…`): a target in absolute form (`http://host/…`) goes to
    /// Hummingbird's server, which reads either.
    static func match(_ method: HTTPMethod, _ target: String) -> Match? {
        guard method == .POST else { return nil }
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        if let match = fixed[path] { return match }
        guard path.hasPrefix(azurePrefix) else { return nil }
        let rest = path.dropFirst(azurePrefix.count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        return azureRoutes[rest[rest.index(after: slash)...]].map { Match(route: $0, fixed: nil) }
    }

    /// Whether the data plane answers `POST` to `path` without the router's lookup.
    static func isFixed(_ path: String) -> Bool { fixed[path[...]] != nil }
}
