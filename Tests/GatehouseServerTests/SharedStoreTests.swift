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
        try await withPostgresDatabase { url in
            var logger = Logger(label: "shared")
            logger.logLevel = .warning
            let storeA = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            let storeB = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            try await withGatehouse(.embeddedDefault, store: storeA) { a, _ in
                try await withGatehouse(.embeddedDefault, store: storeB) { b, _ in
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
