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

    /// Parsed on the URL's UTF-8 bytes (it is split for every upstream request): the scheme,
    /// `//`, an authority without credentials, then path and query.
    init?(url: String) {
        let bytes = url.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let scheme = url.utf8[..<colon]
        if Self.isScheme(scheme, "http") {
            tls = false
        } else if Self.isScheme(scheme, "https") {
            tls = true
        } else {
            return nil
        }
        guard url.utf8[colon...].starts(with: "://".utf8) else { return nil }
        let authorityStart = bytes.index(colon, offsetBy: 3)
        let authorityEnd =
            bytes[authorityStart...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? bytes.endIndex
        let authority = url[authorityStart..<authorityEnd]
        guard !authority.isEmpty, !authority.utf8.contains(UInt8(ascii: "@")) else { return nil }
        if authority.utf8.first == UInt8(ascii: "[") {
            guard let close = authority.utf8.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = String(authority[authority.utf8.index(after: authority.startIndex)..<close])
            let after = authority[authority.utf8.index(after: close)...]
            guard after.isEmpty || after.utf8.first == UInt8(ascii: ":") else { return nil }
            guard let parsed = after.isEmpty ? (tls ? 443 : 80) : Int(after.dropFirst()) else { return nil }
            port = parsed
        } else if let portColon = authority.utf8.lastIndex(of: UInt8(ascii: ":")) {
            host = String(authority[..<portColon])
            guard let parsed = Int(authority[authority.utf8.index(after: portColon)...]) else { return nil }
            port = parsed
        } else {
            host = String(authority)
            port = tls ? 443 : 80
        }
        guard (1...65535).contains(port), !host.isEmpty else { return nil }
        let path = url[authorityEnd...]
        target = path.isEmpty ? "/" : (path.utf8.first == UInt8(ascii: "?") ? "/" + path : String(path))
    }

    /// Whether `text` is the lowercase ASCII `scheme`, in any case.
    private static func isScheme(_ text: Substring.UTF8View, _ scheme: StaticString) -> Bool {
        let name = UnsafeBufferPointer(start: scheme.utf8Start, count: scheme.utf8CodeUnitCount)
        return text.elementsEqual(name) { $0 | 0x20 == $1 }
    }
}
