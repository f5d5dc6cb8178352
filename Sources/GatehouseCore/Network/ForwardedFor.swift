/// The client's address behind proxies Gatehouse trusts: the connection's peer, unless the peer
/// is a trusted proxy, in which case the proxies' `Forwarded` (RFC 7239) or `X-Forwarded-For`
/// list is read from the right, past trusted hops only. A client can put anything at the left of
/// those lists; only what trusted proxies appended is believed.
public enum ForwardedFor {
    /// - Parameters:
    ///   - forwarded: the `Forwarded` header (all of its values, comma-joined); preferred when present.
    ///   - xForwardedFor: the `X-Forwarded-For` header (all of its values, comma-joined).
    public static func client(peer: String, trusted: [IPNetwork], forwarded: String?, xForwardedFor: String?) -> String {
        guard !trusted.isEmpty, trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = forwarded.map(forwardedHops) ?? xForwardedFor.map { $0.split(separator: ",").map { address(String($0)) } } ?? []
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
