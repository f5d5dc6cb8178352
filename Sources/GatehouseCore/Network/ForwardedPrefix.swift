/// The path prefix a trusted proxy serves Gatehouse under (`X-Forwarded-Prefix: /gatehouse`),
/// for the links of Gatehouse's own pages. Read only from trusted proxies.
public enum ForwardedPrefix {
    /// The prefix, normalised (`/gatehouse`, no trailing `/`), or nil when the value is no safe
    /// path: not starting with `/`, with `//`, `.` or `..` segments, or characters other than
    /// letters, digits, `-`, `_`, `.`, `~` and `/`.
    public static func parse(_ value: String?) -> String? {
        guard let value, value.hasPrefix("/"), value.utf8.count <= 200 else { return nil }
        let trimmed = value.hasSuffix("/") ? String(value.dropLast()) : value
        guard !trimmed.isEmpty else { return nil }
        let segments = trimmed.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard
            segments.allSatisfy({ segment in
                !segment.isEmpty && segment != "." && segment != ".."
                    && segment.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.~".unicodeScalars.contains($0))
                    }
            })
        else { return nil }
        return trimmed
    }
}
