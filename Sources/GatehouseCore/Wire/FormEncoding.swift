import Foundation

/// `application/x-www-form-urlencoded` values and query values: everything but the unreserved
/// characters (RFC 3986) escaped.
public enum FormEncoding {
    public static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
