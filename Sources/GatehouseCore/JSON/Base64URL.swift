import Foundation

/// Unpadded base64url (RFC 7515 §2); anything else is refused.
public enum Base64URL {
    public static func decode(_ segment: some Collection<UInt8>) -> [UInt8]? {
        var text = ""
        text.reserveCapacity(segment.count + 3)
        for byte in segment {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "-"): text.append("+")
            case UInt8(ascii: "_"): text.append("/")
            default: return nil
            }
        }
        if segment.count % 4 == 1 { return nil }
        text += String(repeating: "=", count: (4 - segment.count % 4) % 4)
        return Data(base64Encoded: text).map(Array.init)
    }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
