import Foundation

/// Where a request goes, split from its URL once: scheme, host, port and the request target.
struct UpstreamTarget: Hashable, Sendable {
    var tls: Bool
    var host: String
    var port: Int
    /// Path and query, e.g. `/v1/chat/completions?api-version=1`.
    var target: String

    /// The connection a request can share with others to the same origin.
    var origin: Origin { Origin(tls: tls, host: host, port: port) }

    struct Origin: Hashable, Sendable {
        var tls: Bool
        var host: String
        var port: Int

        /// The `Host` header value.
        var authority: String {
            (tls && port == 443) || (!tls && port == 80) ? host : "\(host):\(port)"
        }
    }

    init?(url: String) {
        let scheme: Substring
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound]
        switch scheme.lowercased() {
        case "http": tls = false
        case "https": tls = true
        default: return nil
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return nil }
            guard let parsed = after.isEmpty ? (tls ? 443 : 80) : Int(after.dropFirst()) else { return nil }
            port = parsed
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let parsed = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = parsed
        } else {
            host = String(authority)
            port = tls ? 443 : 80
        }
        guard (1...65535).contains(port), !host.isEmpty else { return nil }
        let path = rest[authorityEnd...]
        target = path.isEmpty ? "/" : (path.hasPrefix("?") ? "/" + path : String(path))
    }
}
