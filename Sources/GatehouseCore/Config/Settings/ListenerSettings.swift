/// The main listener: its address, TLS, the bounds it holds every request to, and shutdown.
public struct ListenerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 4000
    /// HTTPS and client certificates; nil: plain HTTP.
    public var tls: TLSSettings?
    /// How often the TLS files are checked for changes (they are also reloaded on SIGHUP).
    public var tlsReloadCheckSeconds = 5.0
    /// A second listener serving the management API (and nothing else) with its own address and
    /// TLS policy; nil: the management API is served on the main listener.
    public var management: ManagementListenerSettings?
    public var maxRequestBodyBytes = 8 * 1024 * 1024
    /// The largest audio upload (`/v1/audio/transcriptions`): OpenAI takes files up to 25 MB.
    public var maxAudioRequestBytes = 25 * 1024 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    /// Time a client has to send its whole request body (seconds).
    public var clientBodyTimeout = 30.0
    /// Connection idle timeout for clients (seconds).
    public var clientIdleTimeout = 75.0
    /// How long SIGTERM waits for in-flight requests and streams before exiting.
    public var shutdownGraceSeconds = 30.0

    public init() {}

    /// `http` or `https`.
    public var scheme: String { tls == nil ? "http" : "https" }
}

/// The second listener: its address and TLS.
public struct ManagementListenerSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// nil: plain HTTP.
    public var tls: TLSSettings?

    public init(host: String = "127.0.0.1", port: Int, tls: TLSSettings? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

extension ListenerSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Listener", summary: "Where Gatehouse listens, over what, and what it accepts from a client.",
            keys: [
                .text("host", \.listener.host, meaning: "Listen address (`--host` overrides).", example: "0.0.0.0"),
                .int("port", \.listener.port, in: 0...65535, meaning: "Listen port (`--port` overrides).", example: "8080"),
                .custom(
                    "tls_cert_file",
                    meaning: "Serve HTTPS with this certificate chain (PEM, leaf first) and the key in `tls_key_file`; TLS 1.2 minimum. "
                        + "Without both: plain HTTP. See [mtls.md](mtls.md).",
                    example: "/etc/gatehouse/server.pem"
                ) { fields, path, reader, settings in
                    // The TLS keys are read together: each depends on the others.
                    settings.listener.tls = try ListenerParser.tls(fields, at: path, reader: &reader)
                },
                .custom("tls_key_file", meaning: "The private key (PEM) of `tls_cert_file`.", example: "/etc/gatehouse/server.key") { _, _, _, _ in },
                .custom(
                    "tls_client_auth",
                    meaning: "Client certificates: `off`, `optional` (verified when sent) or `required` (no handshake without one).",
                    default: "`off`", example: "required"
                ) { _, _, _, _ in },
                .custom(
                    "tls_client_ca_file",
                    meaning: "CA certificates (PEM) client certificates must chain to; needed unless `tls_client_auth` is `off`.",
                    example: "/etc/gatehouse/clients-ca.pem"
                ) { _, _, _, _ in },
                .custom(
                    "tls_client_crl_file",
                    meaning: "Certificate revocation lists (PEM blocks or one DER list) of those CAs and their intermediates; a client "
                        + "whose certificate, or any CA above it, a list revokes cannot complete the handshake. A list counts only when "
                        + "its issuer signed it; a list past its `nextUpdate` refuses every certificate of its CA until a fresh one is "
                        + "loaded. Reloaded like the other TLS files.",
                    example: "/etc/gatehouse/clients.crl"
                ) { _, _, _, _ in },
                .custom(
                    "tls_client_verify_depth",
                    meaning: "The most certificates above a client's own in its chain, the trusted CA included (nginx's "
                        + "`ssl_verify_depth`): `1` means signed directly by a CA in `tls_client_ca_file`.",
                    default: "`3`", example: "2"
                ) { _, _, _, _ in },
                .number(
                    "tls_reload_check_seconds", \.listener.tlsReloadCheckSeconds, minimum: 0.05,
                    meaning: "How often the TLS files are checked for changes; a change (or `SIGHUP`) loads them for new connections "
                        + "without dropping open ones.",
                    example: "60"),
                .custom(
                    "management_listener",
                    meaning: "A second listener that serves the management API (keys, users, teams, organizations, OAuth clients, spend, "
                        + "certificate bindings) and health checks, and nothing else; the main listener then answers those paths with "
                        + "404. Keys: `host` (default `127.0.0.1`), `port` (required, not the main port) and its own `tls_cert_file`, "
                        + "`tls_key_file`, `tls_client_auth`, `tls_client_ca_file`, `tls_client_crl_file`, `tls_client_verify_depth`. "
                        + "`tls_client_identity`, `trusted_proxies` and `tls_reload_check_seconds` apply to both listeners.",
                    example: "{port: 4001, tls_cert_file: /etc/gatehouse/admin.pem, tls_key_file: /etc/gatehouse/admin.key, "
                        + "tls_client_auth: required, tls_client_ca_file: /etc/gatehouse/admins-ca.pem}"
                ) { fields, path, reader, settings in
                    guard let node = fields["management_listener"] else { return }
                    settings.listener.management = try ListenerParser.listener(
                        node, at: "\(path).management_listener", mainPort: settings.listener.port, reader: &reader)
                },
                .int(
                    "max_request_body_bytes", \.listener.maxRequestBodyBytes, in: 1024...(1 << 30),
                    meaning:
                        "Larger bodies get 413 before more is buffered; the rest is read and dropped (so a client still sending sees the 413), then the connection closes.",
                    example: "1048576"),
                .int(
                    "max_audio_request_bytes", \.listener.maxAudioRequestBytes, in: 1024...(1 << 30),
                    meaning:
                        "Larger audio uploads (`/v1/audio/transcriptions`, multipart) get 413 before more is buffered; the rest is read and dropped, then the connection closes, as for `max_request_body_bytes`.",
                    example: "26214400"),
                .int(
                    "max_header_bytes", \.listener.maxHeaderBytes, in: 1024...(1 << 20), meaning: "Larger request headers (one or all) get 431.",
                    example: "16384"),
                .int("max_header_count", \.listener.maxHeaderCount, in: 8...10_000, meaning: "More request headers get 431.", example: "64"),
                .number(
                    "client_body_timeout", \.listener.clientBodyTimeout, minimum: 0.001,
                    meaning: "Seconds a client has to send its whole request body; a client trickling it is disconnected.", example: "10"),
                .number(
                    "client_idle_timeout", \.listener.clientIdleTimeout, minimum: 1,
                    meaning: "Seconds before an idle client connection is closed (one waiting on an answer, or receiving a stream, is not idle).",
                    example: "30"),
                .number(
                    "shutdown_grace_seconds", \.listener.shutdownGraceSeconds,
                    meaning: "On SIGTERM/SIGINT: stop accepting, let requests and streams in flight finish for up to this long, then "
                        + "cancel them and exit.",
                    example: "60"),
            ])
    }
}
