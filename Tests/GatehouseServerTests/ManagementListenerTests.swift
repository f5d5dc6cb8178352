import Foundation
import GatehouseCore
import Glibc
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("A management listener of its own")
struct ManagementListenerTests {
    /// A port nothing listens on now (the kernel's pick, released at once).
    func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func managementIsServedOnlyOnItsListenerWithItsOwnTLSPolicy() async throws {
        let pki = try TestPKI.make()
        let admin = try pki.issue("admin", commonName: "admin")
        let managementPort = try freePort()
        var config = GatehouseConfig.embeddedDefault
        var tls = TLSSettings(certificateFile: pki.serverCertificateFile, keyFile: pki.serverKeyFile)
        tls.clientAuth = .required
        tls.clientCAFile = pki.caFile
        config.server.managementListener = ListenerSettings(host: "127.0.0.1", port: managementPort, tls: tls)

        try await withGatehouse(config) { client, _ in
            // The main listener (plain HTTP) serves models, not management.
            #expect(try await client.get("/health/liveliness").status == .ok)
            #expect(try await client.get("/v1/models").status == .ok)
            let elsewhere = try await client.post("/key/generate", ["models": ["mock-gpt"]])
            #expect(elsewhere.status == .notFound && elsewhere.json?["error"] != nil)
            #expect(try await client.get("/key/list").status == .notFound)

            // The management listener: HTTPS, and only for clients with a certificate.
            try await MutualTLSTests().withClients(port: managementPort, pki: pki, [admin, nil]) { clients in
                let (management, anonymous) = (clients[0], clients[1])
                // It opens beside the main listener, once the store is ready.
                for _ in 0..<100 where (try? await management.post("/health/liveliness", nil).status) != 200 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let generated = try await management.post("/key/generate", ["models": ["mock-gpt"]], key: TestKeys.master)
                #expect(generated.status == 200)
                let key = try #require(generated.json?["key"]?.stringValue)
                #expect(try await management.post("/key/list", nil, key: TestKeys.master).status == 200)
                #expect(try await management.post("/v1/models", nil, key: TestKeys.master).status == 404)
                #expect(try await management.post("/health/liveliness", nil).status == 200)
                await #expect(throws: (any Error).self) { _ = try await anonymous.post("/key/list", nil, key: TestKeys.master) }
                // The key made there works on the main listener.
                #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status == .ok)
            }
        }
    }
}
