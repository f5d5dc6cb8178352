/// Escaping for the text log, the one boundary every value passes on its way to a log line.
/// Values come from outside (a client certificate's subject, a header, an upstream's error): a
/// newline in one must not start a forged line, and a space or `=` must not forge a field.
public enum LogText {
    /// A metadata value as `key=value` writes it: as is when it is plain, else quoted, with
    /// quotes, backslashes and control characters escaped.
    public static func value(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { !isControl($0) && !" =\"\\".unicodeScalars.contains($0) }
        return plain ? text : "\"" + escaped(text, quote: true) + "\""
    }

    /// A message, which ends the line: control and line-separating characters escaped.
    public static func message(_ text: String) -> String {
        text.unicodeScalars.contains(where: isControl) ? escaped(text, quote: false) : text
    }

    static func escaped(_ text: String, quote: Bool) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\"" where quote: result += "\\\""
            case "\\" where quote: result += "\\\\"
            case _ where isControl(scalar): result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
