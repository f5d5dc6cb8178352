import Foundation

/// How Gatehouse reaches model providers: timeouts, trusted CAs, the HTTP client.
public struct UpstreamSettings: Sendable, Equatable {
    public enum Client: String, Sendable, CaseIterable {
        /// Gatehouse's own client on SwiftNIO: connections pooled per event loop.
        case nio
        /// AsyncHTTPClient.
        case asyncHTTPClient = "async-http-client"
    }

    public var connectTimeout = 5.0
    /// Time to the upstream's response head; past it the attempt is retried elsewhere.
    public var firstByteTimeout = 60.0
    /// Longest silence between two chunks of an upstream body.
    public var streamIdleTimeout = 60.0
    /// Whole request, retries included.
    public var requestTimeout = 600.0
    /// Extra CA certificates (PEM) trusted for upstream TLS, besides the system's.
    public var caFile: String?
    public var client: Client = .nio
    /// The most connections open to one upstream origin (scheme, host, port) at once.
    public var maxConnectionsPerOrigin = 256

    public init() {}
}

extension UpstreamSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Upstreams", summary: "How Gatehouse reaches the model providers.",
            keys: [
                .number("connect_timeout", \.upstream.connectTimeout, minimum: 0.001, meaning: "Seconds to connect to an upstream.", example: "2"),
                .number(
                    "first_byte_timeout", \.upstream.firstByteTimeout, minimum: 0.001,
                    meaning: "Seconds to the upstream's response head; past it the attempt is retried elsewhere.", example: "30"),
                .number(
                    "stream_idle_timeout", \.upstream.streamIdleTimeout, minimum: 0.001,
                    meaning: "Longest silence, in seconds, between two chunks of an upstream body.", example: "120"),
                .number(
                    "request_timeout", \.upstream.requestTimeout, minimum: 0.001, meaning: "Total seconds for one attempt, body included.",
                    example: "300"),
                .value(
                    "upstream_ca_file", \.upstream.caFile,
                    meaning: "PEM file of extra CA certificates trusted for `https://` upstreams, besides the system's (a private vLLM, "
                        + "a corporate proxy). Upstream certificates are always verified; TLS 1.2 is the minimum.",
                    default: "none", example: "/etc/gatehouse/upstream-ca.pem"
                ) { node, path, reader in
                    guard let file = try reader.string(node, at: path) else { return nil }
                    guard FileManager.default.isReadableFile(atPath: file) else { throw reader.error(path, node, "cannot read `\(file)`") }
                    return file
                },
                .int(
                    "upstream_max_connections_per_origin", \.upstream.maxConnectionsPerOrigin, in: 1...100_000,
                    meaning: "The most connections open at once to one upstream origin (scheme, host and port), kept-alive ones "
                        + "included, so that a burst never opens more than an upstream (a vLLM server, a corporate proxy) was sized "
                        + "for. A request past it waits, first come first served, for a connection another request frees, up to "
                        + "`connect_timeout`; then it fails as a connection error and is retried on another deployment.",
                    example: "64"),
                .choice(
                    "upstream_client", \.upstream.client,
                    meaning: "HTTP client for upstream calls: `nio` (Gatehouse's own, on SwiftNIO: keep-alive connections pooled per "
                        + "event loop, head and body in one write, streamed with back-pressure; http and https) or `async-http-client` "
                        + "(AsyncHTTPClient). Both are tested; see BENCHMARKS.md for the difference.",
                    example: "async-http-client"),
            ])
    }
}
