import Foundation
import GatehouseCore
import HTTPTypes
import HummingbirdTesting
import Testing

/// Allowlists, with the test client (127.0.0.1) playing a trusted proxy that forwards for clients.
@Suite("IP allowlists behind trusted proxies")
struct AddressPolicyTests {
    func from(_ address: String?, key: String = TestKeys.master) -> HTTPFields {
        var headers = bearer(key)
        if let address { headers[HTTPField.Name("x-forwarded-for")!] = address }
        return headers
    }

    @Test func theGlobalListHoldsPastTrustedProxiesOnly() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.network.allowedIPs = [IPNetwork("10.0.0.0/8")!, IPNetwork("2001:db8::/32")!]
        try await withGatehouse(config) { client, _ in
            #expect(try await client.get("/v1/models", headers: from("10.1.2.3")).status == .ok)
            #expect(try await client.get("/v1/models", headers: from("2001:db8::5")).status == .ok)
            #expect(try await client.get("/v1/models", headers: from("::ffff:10.1.2.3")).status == .ok)
            let refused = try await client.get("/v1/models", headers: from("203.0.113.9"))
            #expect(refused.status == .forbidden && refused.json?["error"]?["message"] == "Requests from this address are not allowed.")
            // An allowed address the client wrote in front of its own does not help.
            #expect(try await client.get("/v1/models", headers: from("10.1.2.3, 203.0.113.9")).status == .forbidden)
            // Without a forwarded address the client is the proxy, which is not allowed.
            #expect(try await client.get("/v1/models", headers: from(nil)).status == .forbidden)
            // A model route, which the data plane answers through its own chain of the same middleware.
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("10.1.2.3")).status == .ok)
            let refusedModel = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("203.0.113.9"))
            #expect(refusedModel.status == .forbidden && refusedModel.json?["error"]?["message"] == "Requests from this address are not allowed.")
            let denied = try await client.get("/audit?action=network.denied", headers: from("10.1.2.3"))
            #expect(denied.json?["total"] == 4)
        }
        // The same header from a peer that is not a trusted proxy is ignored.
        config.server.network.trustedProxies = [IPNetwork("10.0.0.0/8")!]
        try await withGatehouse(config) { client, _ in
            let spoofed = try await client.get("/v1/models", headers: from("10.1.2.3"))
            #expect(spoofed.status == .forbidden)
        }
    }

    /// Attack: behind nginx (which appends the real client to X-Forwarded-For and passes any other
    /// header through), a client adds `Forwarded: for=10.0.0.5` to claim an allowed address.
    @Test func aClientsOwnForwardedHeaderDoesNotChooseItsAddress() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.network.managementAllowedIPs = [IPNetwork("10.0.0.0/8")!]
        @Sendable func with(xff: String, forwarded: String) -> HTTPFields {
            var headers = from(xff)
            headers[HTTPField.Name("forwarded")!] = forwarded
            return headers
        }
        try await withGatehouse(config) { client, _ in
            let status = try await client.get("/key/list", headers: with(xff: "203.0.113.9", forwarded: "for=10.0.0.5")).status
            #expect(status == .forbidden)
        }
        // An operator whose proxy writes `Forwarded` says so; then X-Forwarded-For is not read.
        config.server.network.forwardedHeader = .forwarded
        try await withGatehouse(config) { client, _ in
            let refused = try await client.get("/key/list", headers: with(xff: "10.1.2.3", forwarded: "for=203.0.113.9")).status
            #expect(refused == .forbidden)
            let admitted = try await client.get("/key/list", headers: with(xff: "203.0.113.9", forwarded: "for=10.0.0.5")).status
            #expect(admitted == .ok)
        }
    }

    @Test func managementHasItsOwnListAndPathVariantsGetNoFurther() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.network.managementAllowedIPs = [IPNetwork("10.0.0.0/8")!]
        try await withGatehouse(config) { client, _ in
            #expect(try await client.get("/key/list", headers: from("10.1.2.3")).status == .ok)
            #expect(try await client.get("/key/list", headers: from("203.0.113.9")).status == .forbidden)
            // Model routes are not management routes.
            #expect(try await client.get("/v1/models", headers: from("203.0.113.9")).status == .ok)
            for variant in ["//key/list", "/key//list", "/key/list/", "/KEY/list", "/v1/%2e%2e/key/list", "/v1/../key/list", "/key/./list"] {
                let status = try await client.get(variant, headers: from("203.0.113.9")).status
                #expect(status == .forbidden || status == .notFound, "\(variant) answered \(status)")
                // Where a variant reaches the route at all, it gets the canonical path's decision.
                if try await client.get(variant, headers: from("10.1.2.3")).status == .ok { #expect(status == .forbidden, "\(variant)") }
            }
        }
    }

    @Test func keysTeamsAndOrganizationsCarryTheirOwnLists() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        try await withGatehouse(config) { client, _ in
            let key = try #require(
                try await client.post("/key/generate", ["models": ["mock-gpt"], "allowed_ips": ["10.0.0.0/8", "2001:db8::/32"]]).json?["key"]?
                    .stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("10.9.8.7", key: key)).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("2001:db8::1", key: key)).status == .ok)
            let refused = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("192.168.1.1", key: key))
            #expect(refused.status == .forbidden && refused.json?["error"]?["message"] == "This key may not be used from this address.")
            #expect(try await client.post("/key/generate", ["allowed_ips": ["not-a-network"]]).status == .badRequest)

            // A team's list holds for its keys, on top of their own.
            let team = try #require(try await client.post("/team/new", ["allowed_ips": ["10.1.0.0/16"]]).json?["team_id"]?.stringValue)
            let member = try #require(
                try await client.post("/key/generate", ["team_id": .string(team), "allowed_ips": ["10.0.0.0/8"]]).json?["key"]?.stringValue)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("10.1.2.3", key: member)).status == .ok)
            let outside = try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("10.2.0.1", key: member))
            #expect(outside.status == .forbidden && outside.json?["error"]?["message"] == "This team may not be used from this address.")
            // Shown, changed and cleared through the management API.
            let info = try await client.get("/team/info?team_id=\(team)")
            #expect(info.json?["team_info"]?["allowed_ips"] == ["10.1.0.0/16"])
            #expect(try await client.post("/team/update", ["team_id": .string(team), "allowed_ips": .null]).status == .ok)
            #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: from("10.2.0.1", key: member)).status == .ok)
        }
    }

    @Test func aKeysAllowedRoutesHoldForPathVariantsToo() async throws {
        try await withGatehouse(GatehouseConfig.embeddedDefault) { client, _ in
            let key = try #require(
                try await client.post("/key/generate", ["allowed_routes": ["llm_api_routes"]]).json?["key"]?.stringValue)
            #expect(try await client.get("/v1/models", headers: bearer(key)).status == .ok)
            for path in ["/key/info", "//key/info", "/key//info", "/key/info/"] {
                #expect(try await client.get(path, headers: bearer(key)).status == .forbidden, "\(path)")
            }
        }
    }
}
