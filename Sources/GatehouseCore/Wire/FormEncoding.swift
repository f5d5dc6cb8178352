import Foundation

/// `application/x-www-form-urlencoded` values and query values: everything but the unreserved
/// characters (RFC 3986) escaped.
public enum FormEncoding {
    public static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// Fields as a form body or query: `name=value&…`, each part encoded.
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
