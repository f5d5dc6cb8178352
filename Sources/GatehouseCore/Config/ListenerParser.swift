import Foundation
import Yams

/// Listeners in configuration: the main one's TLS keys (in `gatehouse_settings` itself) and the
/// optional `management_listener`, which has its own address and TLS policy.
enum ListenerParser {
    static let managementKeys = [
        "host", "port", "tls_cert_file", "tls_key_file", "tls_client_auth", "tls_client_ca_file", "tls_client_crl_file",
        "tls_client_verify_depth",
    ]

    /// A list of IPv4/IPv6 addresses or CIDR networks (`trusted_proxies`, `allowed_ips`).
    static func networks(_ node: Node?, at path: String, reader: inout ConfigReader) throws -> [IPNetwork] {
        try (reader.stringOrList(node, at: path) ?? []).map { text in
            guard let network = IPNetwork(text) else { throw reader.error(path, node, "`\(text)` is not an IP address or CIDR network") }
            return network
        }
    }

    static func listener(_ node: Node, at p: String, mainPort: Int, reader: inout ConfigReader) throws -> ManagementListenerSettings {
        let f = try reader.fields(node, at: p, known: managementKeys)
        guard let port = try reader.int(f["port"], at: "\(p).port", range: 0...65535) else {
            throw reader.error("\(p).port", node, "a management listener needs a port")
        }
        if port == mainPort, port != 0 { throw reader.error("\(p).port", f["port"], "must differ from the main listener's port \(mainPort)") }
        var listener = ManagementListenerSettings(host: try reader.string(f["host"], at: "\(p).host") ?? "127.0.0.1", port: port)
        listener.tls = try tls(f, at: p, reader: &reader)
        return listener
    }

    /// `tls_cert_file` and `tls_key_file` (both or neither), and the client certificate policy.
    static func tls(_ f: [String: Node], at p: String, reader: inout ConfigReader) throws -> TLSSettings? {
        func readable(_ key: String) throws -> String? {
            guard let file = try reader.string(f[key], at: "\(p).\(key)") else { return nil }
            guard FileManager.default.isReadableFile(atPath: file) else { throw reader.error("\(p).\(key)", f[key], "cannot read `\(file)`") }
            return file
        }
        let certificate = try readable("tls_cert_file")
        let key = try readable("tls_key_file")
        let clientKeys = ["tls_client_auth", "tls_client_ca_file", "tls_client_crl_file", "tls_client_verify_depth"]
        guard let certificate, let key else {
            if let given = (["tls_cert_file", "tls_key_file"] + clientKeys).first(where: { f[$0] != nil }) {
                throw reader.error("\(p).\(given)", f[given], "needs both tls_cert_file and tls_key_file")
            }
            return nil
        }
        var tls = TLSSettings(certificateFile: certificate, keyFile: key)
        if let mode = try reader.string(f["tls_client_auth"], at: "\(p).tls_client_auth") {
            guard let known = TLSSettings.ClientAuth(rawValue: mode) else {
                throw reader.error("\(p).tls_client_auth", f["tls_client_auth"], "must be off, optional or required")
            }
            tls.clientAuth = known
        }
        tls.clientCAFile = try readable("tls_client_ca_file")
        tls.clientCRLFile = try readable("tls_client_crl_file")
        tls.clientVerifyDepth =
            try reader.int(f["tls_client_verify_depth"], at: "\(p).tls_client_verify_depth", range: 1...32) ?? tls.clientVerifyDepth
        if tls.clientAuth != .off, tls.clientCAFile == nil {
            throw reader.error("\(p).tls_client_auth", f["tls_client_auth"], "needs tls_client_ca_file: the CAs client certificates must chain to")
        }
        return tls
    }

}
