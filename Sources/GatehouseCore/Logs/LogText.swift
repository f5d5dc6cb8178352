/// Escaping for the text log, the one boundary every value passes on its way to a log line.
/// Values come from outside (a client certificate's subject, a header, an upstream's error): a
/// newline in one must not start a forged line, and a space or `=` must not forge a field.
public enum LogText {
    /// A metadata value as `key=value` writes it: as is when it is plain, else as a JSON string
    /// (quoted, with control characters, quotes and backslashes escaped).
    public static func value(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { !needsQuoting($0) }
        return plain ? text : JSONCoding.encodeString(.string(text))
    }

    /// A message, which ends the line: control and line-separating characters escaped.
    public static func message(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where isControl(scalar): escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    static func needsQuoting(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar) || scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\"
    }
}
