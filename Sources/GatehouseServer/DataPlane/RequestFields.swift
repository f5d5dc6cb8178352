import HTTPTypes
import NIOHTTP1

/// A request head's fields as `HTTPFields`, as NIO's conversion (`HTTPFields(_:splitCookie: false)`)
/// makes them: the first `Host` left out (the request's authority holds it), every other field in
/// its order, one whose name is not a token dropped. The names requests usually carry are taken
/// from a table, found by length and compared without regard to ASCII case: NIO's conversion
/// lowercases every name twice (to find `Host`, then for the field's canonical name) and checks
/// that it is a token, for every field of every request.
enum RequestFields {
    /// Lower case, `host` first. The OpenAI SDKs' `x-stainless-*` fields come with every request
    /// they send.
    static let names = [
        "host", "content-type", "content-length", "authorization", "user-agent", "accept", "accept-encoding", "connection",
        "x-api-key", "api-key", "anthropic-version", "anthropic-beta", "x-stainless-lang", "x-stainless-package-version",
        "x-stainless-os", "x-stainless-arch", "x-stainless-runtime", "x-stainless-runtime-version", "x-stainless-retry-count",
        "x-stainless-read-timeout", "x-stainless-async",
    ]
    private static let known = names.map { HTTPField.Name($0)! }
    private static let lowered = names.map { Array($0.utf8) }

    static func fields(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        var hostLeftOut = false
        for (name, value) in headers {
            let index = knownIndex(name)
            if index == 0, !hostLeftOut {
                hostLeftOut = true
                continue
            }
            guard let fieldName = index.map({ known[$0] }) ?? HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    /// The position in `names` of a name in any ASCII case; nil for any other.
    static func knownIndex(_ name: String) -> Int? {
        let bytes = name.utf8
        for index in lowered.indices where lowered[index].count == bytes.count {
            if bytes.elementsEqual(lowered[index], by: { ((0x41...0x5A).contains($0) ? $0 | 0x20 : $0) == $1 }) { return index }
        }
        return nil
    }
}
