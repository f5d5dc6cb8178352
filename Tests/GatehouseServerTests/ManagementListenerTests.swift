import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GatehouseServer

@Suite("A management listener of its own")
struct ManagementListenerTests {
    @Test func managementIsServedOnlyOnItsListenerWithItsOwnTLSPolicy() async throws {
        let pki = try TestPKI.make()
        let admin = try pki.issue("admin", commonName: "admin")
        var config = GatehouseConfig.embeddedDefault
        var tls = TLSSettings(certificateFile: pki.serverCertificateFile, keyFile: pki.serverKeyFile)
        tls.clientAuth = .required
        tls.clientCAFile = pki.caFile
        // The kernel's pick, read back once it listens: a port found free and released first
        // could be taken by another test before Gatehouse binds it.
        config.server.listener.management = ManagementListenerSettings(host: "127.0.0.1", port: 0, tls: tls)
        let inspection = Inspection()

        try await withGatehouse(config, inspection: inspection) { client, _ in
            // The main listener (plain HTTP) serves models, not management.
            #expect(try await client.get("/health/liveliness").status == .ok)
            #expect(try await client.get("/v1/models").status == .ok)
            let elsewhere = try await client.post("/key/generate", ["models": ["mock-gpt"]])
            #expect(elsewhere.status == .notFound && elsewhere.json?["error"] != nil)
            #expect(try await client.get("/key/list").status == .notFound)

            // The management listener: HTTPS, and only for clients with a certificate. It opens
            // beside the main listener, once the store is ready.
            #expect(await eventually { inspection.managementPort != nil })
            let managementPort = try #require(inspection.managementPort)
            try await MutualTLSTests().withClients(port: managementPort, pki: pki, [admin, nil]) { clients in
                let (management, anonymous) = (clients[0], clients[1])
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
