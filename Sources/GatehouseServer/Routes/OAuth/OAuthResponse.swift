import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird

/// Answers of the OAuth endpoints: RFC 6749 §5 JSON, never cached (`Cache-Control: no-store`).
enum OAuthResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.cacheControl] = "no-store"
        fields[.init("Pragma")!] = "no-cache"
        return Response.json(value, status: status, headers: fields)
    }

    /// An RFC 6749 error: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unsupported_grant_type`, `invalid_scope`.
    static func error(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) -> Response {
        var headers: HTTPFields = [:]
        if code == "invalid_client" { headers[.wwwAuthenticate] = "Basic realm=\"gatehouse\"" }
        return json(["error": .string(code), "error_description": .string(description)], status: status, headers: headers)
    }
}

/// An `application/x-www-form-urlencoded` body. A parameter given twice is an error (RFC 6749 §3.2).
struct FormBody {
    let fields: [String: String]

    init?(_ bytes: some Collection<UInt8>) {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&")) where !pair.isEmpty {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(Array(parts[0])), let value = Self.decode(parts.count > 1 ? Array(parts[1]) : []), fields[name] == nil else {
                return nil
            }
            fields[name] = value
        }
        self.fields = fields
    }

    /// A name or value, or nil when it is not well encoded or holds a NUL (which no store holds).
    static func decode(_ bytes: some Collection<UInt8>) -> String? {
        let text = String(decoding: bytes.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self).removingPercentEncoding
        return text?.utf8.contains(0) == true ? nil : text
    }

    subscript(name: String) -> String? { fields[name] }
}
