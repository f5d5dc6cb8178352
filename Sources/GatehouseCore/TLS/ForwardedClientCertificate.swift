import Foundation

/// Envoy's `X-Forwarded-Client-Cert`: `Hash=<sha256 hex>;URI=spiffe://…;DNS=…;Subject="CN=…,O=…"`,
/// one comma-separated element per proxy. Only ever read from a trusted proxy, and then the last
/// element: the one the proxy that connected to Gatehouse added.
public enum ForwardedClientCertificate {
    public static func parse(_ header: String) -> ClientCertificate? {
        guard let element = split(header, on: ",").last else { return nil }
        var fields: [(String, String)] = []
        for pair in split(element, on: ";") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let key = pair[..<equals].trimmingCharacters(in: " ").lowercased()
            var value = String(pair[pair.index(after: equals)...]).trimmingCharacters(in: " ")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            fields.append((key, value))
        }
        guard let hash = fields.first(where: { $0.0 == "hash" })?.1.lowercased(), hash.count == 64,
            hash.allSatisfy({ $0.isHexDigit })
        else { return nil }
        let subject = fields.first { $0.0 == "subject" }?.1
        return ClientCertificate(
            fingerprint: hash, thumbprint: ClientCertificate.thumbprint(hex: hash), subjectCommonName: subject.flatMap(commonName),
            uris: fields.filter { $0.0 == "uri" }.map(\.1), dnsNames: fields.filter { $0.0 == "dns" }.map(\.1))
    }

    /// Splits on `separator` outside double quotes.
    static func split(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == separator, !quoted {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current)
        return parts.filter { !$0.isEmpty }
    }

    /// `CN=search,O=Acme` → `search`.
    static func commonName(_ subject: String) -> String? {
        split(subject, on: ",").lazy.map { $0.trimmingCharacters(in: " ") }.first { $0.uppercased().hasPrefix("CN=") }.map { String($0.dropFirst(3)) }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var view = Substring(self)
        while view.first == character { view = view.dropFirst() }
        while view.last == character { view = view.dropLast() }
        return String(view)
    }
}
