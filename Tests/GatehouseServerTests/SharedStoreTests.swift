import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Two instances on one PostgreSQL")
struct SharedStoreTests {
    @Test func aKeyChangedOnOneInstanceHoldsOnTheOtherWithinASecond() async throws {
        try await withTwoInstances { a, b in
            let created = try await a.post("/key/generate", [:])
            let raw = try #require(created.json?["key"]?.stringValue)
            let token = try #require(created.json?["token"]?.stringValue)
            let headers: HTTPFields = [.authorization: "Bearer \(raw)"]

            let accepted = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .ok
            }
            #expect(accepted < .seconds(1))

            _ = try await a.post("/key/block", ["key": .string(token)])
            let refused = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .unauthorized
            }
            #expect(refused < .seconds(1))

            _ = try await b.post("/key/delete", ["keys": [.string(token)]])
            let gone = try await Self.elapsedUntil { try await a.get("/key/info?key=\(token)").status == .notFound }
            #expect(gone < .seconds(1))
        }
    }

    @Test func teamAndOrganizationChangesReachTheOtherInstanceWithinASecond() async throws {
        try await withTwoInstances { a, b in
            let org = try await a.post("/organization/new", ["organization_alias": "Acme"])
            let orgID = try #require(org.json?["organization_id"]?.stringValue)
            _ = try await a.post("/team/new", ["team_id": "t", "organization_id": .string(orgID)])
            let raw = try #require(try await a.post("/key/generate", ["team_id": "t"]).json?["key"]?.stringValue)
            let accepted = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok
            }
            #expect(accepted < .seconds(1))

            _ = try await a.post("/team/block", ["team_id": "t"])
            let blocked = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .unauthorized
            }
            #expect(blocked < .seconds(1))

            _ = try await b.post("/team/unblock", ["team_id": "t"])
            _ = try await b.post("/organization/update", ["organization_id": .string(orgID), "models": ["some-other-model"]])
            let narrowed = try await Self.elapsedUntil {
                try await a.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .forbidden
            }
            #expect(narrowed < .seconds(1))
        }
    }

    /// Two Gatehouse instances on one fresh PostgreSQL database.
    func withTwoInstances(_ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void) async throws {
        try await withPostgresDatabase { url in
            var logger = Logger(label: "shared")
            logger.logLevel = .warning
            let storeA = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            let storeB = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            try await withGatehouse(.embeddedDefault, store: storeA) { a, _ in
                try await withGatehouse(.embeddedDefault, store: storeB) { b, _ in try await body(a, b) }
            }
        }
    }

    /// How long until `condition` holds, polling every 20 ms for up to 5 s.
    static func elapsedUntil(_ condition: () async throws -> Bool) async throws -> Duration {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(5) {
            if try await condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(20))
        }
        return .seconds(5)
    }
}
