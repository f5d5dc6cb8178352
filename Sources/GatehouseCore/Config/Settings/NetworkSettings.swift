/// Who a client is (behind trusted proxies) and where requests may come from.
public struct NetworkSettings: Sendable, Equatable {
    /// Proxies whose headers are believed (the client's address, a client certificate they
    /// verified); from anyone else such headers are ignored.
    public var trustedProxies: [IPNetwork] = []
    /// The header those proxies write the client's address in; the other is never read.
    public var forwardedHeader: ForwardedFor.Header = .xForwardedFor
    /// Addresses any request must come from (empty: any); behind `trustedProxies`, the client's.
    public var allowedIPs: [IPNetwork] = []
    /// Addresses management requests (and `/metrics`) must come from besides (empty: any).
    public var managementAllowedIPs: [IPNetwork] = []
    /// Addresses a proxy admin's or viewer's session (console or API) must come from (empty: any).
    public var adminSessionAllowedIPs: [IPNetwork] = []

    public init() {}
}

extension NetworkSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Network", summary: "Which proxies are believed, and where requests may come from ([network.md](network.md)).",
            keys: [
                .networks(
                    "trusted_proxies", \.network.trustedProxies,
                    meaning: "Addresses or CIDR networks (IPv4, IPv6) of proxies whose headers are believed: the client's address in "
                        + "the `forwarded_header` they write, read from the right past trusted hops only ([network.md](network.md)), the "
                        + "path prefix they serve Gatehouse under in `X-Forwarded-Prefix` (for the console's and sign-in pages' links: "
                        + "[console.md](console.md)), and a client certificate they verified in `client_cert_header` ([mtls.md](mtls.md)). "
                        + "From anyone else those "
                        + "headers are ignored.",
                    example: "[10.0.0.0/8, \"fd00::/8\"]"),
                .choice(
                    "forwarded_header", \.network.forwardedHeader,
                    meaning: "The one header your trusted proxies write the client's address in: `x-forwarded-for` (nginx "
                        + "`proxy_add_x_forwarded_for`, Envoy, ALB, Caddy, HAProxy) or `forwarded` (RFC 7239, only if your proxy writes "
                        + "it and strips what clients send). The other header is never read: a proxy that appends to one passes a "
                        + "client's own copy of the other through untouched ([network.md](network.md)).",
                    example: "forwarded", normalize: { $0.lowercased() }),
                .networks(
                    "allowed_ips", \.network.allowedIPs,
                    meaning: "Addresses or CIDR networks every request must come from (health checks included); others get 403, "
                        + "audited. Also read from LiteLLM's `general_settings.allowed_ips`.",
                    default: "none (any)", example: "[10.0.0.0/8, \"2001:db8::/32\"]"),
                .networks(
                    "management_allowed_ips", \.network.managementAllowedIPs,
                    meaning: "Addresses or CIDR networks management requests (`/key/*`, `/user/*`, `/team/*`, `/audit`…) must come "
                        + "from, checked on the route a request reached (`//key/list` is `/key/list`).",
                    default: "none (any)", example: "[10.20.0.0/16]"),
                .networks(
                    "admin_session_allowed_ips", \.network.adminSessionAllowedIPs,
                    meaning: "Addresses or CIDR networks a proxy admin's or viewer's signed-in session (the console, or the API "
                        + "with the session cookie) must come from; their sessions from elsewhere get 403, audited, while other people "
                        + "use the console from anywhere `management_allowed_ips` allows. A narrower rule for the most powerful "
                        + "sessions ([console.md](console.md)).",
                    default: "none (any)", example: "[10.20.0.0/16]"),
            ])
    }
}
