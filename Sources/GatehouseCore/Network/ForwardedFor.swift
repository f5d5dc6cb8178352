/// The client's address behind proxies Gatehouse trusts: the connection's peer, unless the peer
/// is a trusted proxy, in which case the one header the operator's proxies write — `X-Forwarded-For`
/// by default, or `Forwarded` (RFC 7239) — is read from the right, past trusted hops only. A
/// client can put anything at the left of that list; only what trusted proxies appended is
/// believed. The other header is never read: nginx, Envoy, ALB, Caddy and HAProxy append to
/// `X-Forwarded-For` and pass a client's own `Forwarded` through untouched, so preferring
/// `Forwarded` let a client choose its address.
public enum ForwardedFor {
    /// Which header the operator's proxies write (`forwarded_header`).
    public enum Header: String, Sendable, CaseIterable {
        case xForwardedFor = "x-forwarded-for"
        case forwarded
    }

    /// - Parameter value: that header's values, comma-joined; nil when absent.
    public static func client(peer: String, trusted: [IPNetwork], header: Header, value: String?) -> String {
        guard !trusted.isEmpty, trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops: [String?]
        switch header {
        case .forwarded: hops = value.map(forwardedHops) ?? []
        case .xForwardedFor: hops = value.map { $0.split(separator: ",").map { address(String($0)) } } ?? []
        }
        var client = peer
        for hop in hops.reversed() {
            // Something a trusted proxy passed on that is no address (`unknown`, an obfuscated
            // name): the client is not known past it; the last proxy is the best answer.
            guard let hop, IPNetwork.parse(hop) != nil else { return client }
            client = hop
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
        }
        return client
    }

    /// The `for=` of each element of a `Forwarded` header, in order (nil where an element has none).
    static func forwardedHops(_ header: String) -> [String?] {
        header.split(separator: ",").map { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingSpaces.lowercased() == "for" { return address(String(parts[1])) }
            }
            return nil
        }
    }

    /// An address as proxies write it, quotes, brackets and port removed: `"[2001:db8::1]:4711"`,
    /// `192.0.2.60:8080`, ` 10.0.0.1`.
    static func address(_ text: String) -> String? {
        var text = text.trimmingSpaces
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            return String(text[text.index(after: text.startIndex)..<close])
        }
        // IPv4 with a port: one colon. (Bare IPv6 has several.)
        if text.filter({ $0 == ":" }).count == 1 { return text.split(separator: ":").first.map(String.init) }
        return text.isEmpty ? nil : text
    }
}
