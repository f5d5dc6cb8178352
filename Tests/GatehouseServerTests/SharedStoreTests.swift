import Foundation
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import SQLKit
import Testing

@Suite("Two instances on one PostgreSQL")
struct SharedStoreTests {
    @Test func aKeyChangedOnOneInstanceHoldsOnTheOtherWithinASecond() async throws {
        try await withTwoInstances { a, b, _, _ in
            let token = try await Self.createdOnAUsedOnBThenBlockedOnA(a, b).token
            _ = try await b.post("/key/delete", ["keys": [.string(token)]])
            let gone = try await Self.elapsedUntil { try await a.get("/key/info?key=\(token)").status == .notFound }
            #expect(gone < Self.propagationBound)
        }
    }

    /// With `key_cache_size` on both: a key created on one is used on the other (read on first
    /// use, though the other had just found it unknown), then blocked and deleted on the first —
    /// refused on the other within the bound, as with every key held.
    @Test func aBoundedCacheReadsAKeyOnFirstUseAndLosesItWhenRevokedElsewhere() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.identity.keyCacheSize = 100
        try await withTwoInstances(config) { a, b, _, _ in
            let (token, headers) = try await Self.createdOnAUsedOnBThenBlockedOnA(a, b)
            _ = try await a.post("/key/delete", ["keys": [.string(token)]])
            #expect(try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .unauthorized)
            // A random key with a valid shape: refused, and remembered as unknown.
            let stranger: HTTPFields = [.authorization: "Bearer sk-not-a-key-of-this-gateway-0123456789"]
            #expect(try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: stranger).status == .unauthorized)
        }
    }

    /// A key generated on `a`, used on `b` (within the bound), blocked on `a` and refused on `b`
    /// (within the bound). - Returns: its token (key id) and the headers that present it.
    static func createdOnAUsedOnBThenBlockedOnA(
        _ a: any TestClientProtocol, _ b: any TestClientProtocol
    ) async throws
        -> (token: String, headers: HTTPFields)
    {
        let created = try await a.post("/key/generate", [:])
        let raw = try #require(created.json?["key"]?.stringValue)
        let token = try #require(created.json?["token"]?.stringValue)
        let headers: HTTPFields = [.authorization: "Bearer \(raw)"]
        let accepted = try await elapsedUntil { try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .ok }
        #expect(accepted < propagationBound)
        _ = try await a.post("/key/block", ["key": .string(token)])
        let refused = try await elapsedUntil {
            try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: headers).status == .unauthorized
        }
        #expect(refused < propagationBound)
        return (token, headers)
    }

    /// How long a change may take to reach the other instance in these tests: milliseconds on a
    /// quiet machine (LISTEN/NOTIFY; a tenth of a second for exchanged lockouts); a loaded one
    /// once passed two seconds.
    static let propagationBound: Duration = .seconds(4)

    @Test func teamAndOrganizationChangesReachTheOtherInstanceWithinASecond() async throws {
        try await withTwoInstances { a, b, _, _ in
            let org = try await a.post("/organization/new", ["organization_alias": "Acme"])
            let orgID = try #require(org.json?["organization_id"]?.stringValue)
            _ = try await a.post("/team/new", ["team_id": "t", "organization_id": .string(orgID)])
            let raw = try #require(try await a.post("/key/generate", ["team_id": "t"]).json?["key"]?.stringValue)
            let accepted = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .ok
            }
            #expect(accepted < Self.propagationBound)

            _ = try await a.post("/team/block", ["team_id": "t"])
            let blocked = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .unauthorized
            }
            #expect(blocked < Self.propagationBound)

            _ = try await b.post("/team/unblock", ["team_id": "t"])
            _ = try await b.post("/organization/update", ["organization_id": .string(orgID), "models": ["some-other-model"]])
            let narrowed = try await Self.elapsedUntil {
                try await a.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(raw)).status == .forbidden
            }
            #expect(narrowed < Self.propagationBound)
        }
    }

    @Test func aModelAddedOnOneInstanceIsServedByTheOther() async throws {
        try await withTwoInstances { a, b, _, _ in
            #expect(try await a.post("/model/new", ModelManagementLiveTests.newModel).status == .ok)
            let served = try await Self.elapsedUntil { try await b.post("/v1/chat/completions", chat("stored-gpt")).status == .ok }
            #expect(served < Self.propagationBound)
            _ = try await b.post("/model/update", ["id": "stored-1", "litellm_params": ["mock_response": "second"]])
            let changed = try await Self.elapsedUntil {
                try await a.post("/v1/chat/completions", chat("stored-gpt")).json?["choices"]?.arrayValue?.first?["message"]?["content"] == "second"
            }
            #expect(changed < Self.propagationBound)
            _ = try await a.post("/model/delete", ["id": "stored-1"])
            let gone = try await Self.elapsedUntil { try await b.post("/v1/chat/completions", chat("stored-gpt")).status == .notFound }
            #expect(gone < Self.propagationBound)
        }
    }

    @Test func aBudgetSharedByTwoInstancesAdmitsExactlyWhatItAffords() async throws {
        var config = BudgetLiveTests.config(latencyMs: 200)
        // This test is about exactness: a machine busy with other tests must not turn slow
        // budget checks into 503s.
        config.server.metering.storeTimeoutSeconds = 60
        try await withTwoInstances(config) { a, b, portA, portB in
            let created = try await a.post("/key/generate", ["max_budget": 0.03])
            let key = try #require(created.json?["key"]?.stringValue)
            let id = try #require(created.json?["token"]?.stringValue)
            // Until B authenticates the key itself (an admin's `/key/info` reads the store, which has it sooner).
            _ = try await Self.elapsedUntil { try await b.get("/v1/models", headers: bearer(key)).status == .ok }
            async let fromA = concurrently(25, port: portA, key: key, body: BudgetLiveTests.request())
            async let fromB = concurrently(25, port: portB, key: key, body: BudgetLiveTests.request())
            let statuses = try await (fromA + fromB).map(\.0)
            #expect(statuses.filter { $0 == 200 }.count == 3)
            #expect(statuses.filter { $0 == 400 }.count == 47)
            // Both instances read the shared total.
            _ = try await Self.elapsedUntil { try await b.get("/key/info?key=\(id)").json?["info"]?["spend"] == 0.03 }
            #expect(try await a.get("/key/info?key=\(id)").json?["info"]?["spend"] == 0.03)
            #expect(try await b.get("/global/spend").json?["spend_exact"] == "0.03")
        }
    }

    @Test func fitAndSpendHoldAcrossInstances() async throws {
        var config = BudgetLiveTests.config(latencyMs: 200)
        config.server.metering.storeTimeoutSeconds = 60
        try await withTwoInstances(config) { a, b, portA, portB in
            // `fit`: $0.05 at $0.001 a token; each request asks for 100 tokens ($0.10) and is lowered.
            let created = try await a.post("/key/generate", ["max_budget": 0.05, "budget_admission": "fit"])
            let key = try #require(created.json?["key"]?.stringValue)
            let id = try #require(created.json?["token"]?.stringValue)
            // Until B authenticates the key itself (an admin's `/key/info` reads the store, which has it sooner).
            _ = try await Self.elapsedUntil { try await b.get("/v1/models", headers: bearer(key)).status == .ok }
            var body = BudgetLiveTests.request()
            body["max_tokens"] = 100
            async let fromA = concurrently(10, port: portA, key: key, body: body)
            async let fromB = concurrently(10, port: portB, key: key, body: body)
            let admitted = try await (fromA + fromB).filter { $0.0 == 200 }.count
            #expect(admitted >= 1)
            _ = try await Self.elapsedUntil { try await a.get("/key/info?key=\(id)").json?["info"]?["spend"]?.doubleValue ?? 0 > 0 }
            let spend = try #require(try await a.get("/key/info?key=\(id)").json?["info"]?["spend"]?.doubleValue)
            // Each admitted request used the mock's 10 tokens ($0.01); together never past $0.05.
            #expect(abs(spend - Double(admitted) * 0.01) < 1e-9 && spend <= 0.05 + 1e-9)

            // `spend` on the shared store: admitted while the shared total is below the budget.
            let made = try await a.post("/key/generate", ["max_budget": 0.015, "budget_admission": "spend"])
            let loose = try #require(made.json?["key"]?.stringValue)
            let looseID = try #require(made.json?["token"]?.stringValue)
            _ = try await Self.elapsedUntil {
                try await b.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(loose)).status != .unauthorized
            }
            _ = try await a.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(loose))
            // Once the two settlements are in the shared total ($0.02 of $0.015), both instances refuse.
            _ = try await Self.elapsedUntil { try await b.get("/key/info?key=\(looseID)").json?["info"]?["spend"] == 0.02 }
            let refusedByA = try await a.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(loose))
            let refusedByB = try await b.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(loose))
            #expect(refusedByA.status == .badRequest && refusedByB.status == .badRequest)
        }
    }

    @Test func aBlockBegunByOneInstanceHoldsOnTheOtherAndIsLiftedEverywhere() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.metering.rateLimitSyncSeconds = 0.1
        config.server.network.trustedProxies = [IPNetwork("127.0.0.1")!]
        config.server.lockout.addressFailures = 3
        try await withTwoInstances(config) { a, b, _, _ in
            let attacker = "203.0.113.50"
            func from(_ address: String, _ key: String = TestKeys.master) -> HTTPFields {
                [.authorization: "Bearer \(key)", HTTPField.Name("x-forwarded-for")!: address]
            }
            for guess in 0..<3 {
                #expect(try await a.get("/v1/models", headers: from(attacker, "sk-guess-number-\(guess)")).status == .unauthorized)
            }
            #expect(try await a.get("/v1/models", headers: from(attacker)).status == .tooManyRequests)
            // B never saw a failure from there, and refuses it once the blocks are exchanged.
            let refusedByB = try await Self.elapsedUntil { try await b.get("/v1/models", headers: from(attacker)).status == .tooManyRequests }
            #expect(refusedByB < Self.propagationBound)
            let listed = try await b.get("/lockout/list", headers: from("198.51.100.9")).json?["blocks"]?.arrayValue ?? []
            #expect(listed.map { $0["subject"]?.stringValue } == ["address:" + attacker])
            // Lifted through B, where it did not begin: it ends on A too.
            #expect(try await b.post("/lockout/unlock", ["subject": .string("address:" + attacker)]).status == .ok)
            #expect(try await b.get("/v1/models", headers: from(attacker)).status == .ok)
            let admittedByA = try await Self.elapsedUntil { try await a.get("/v1/models", headers: from(attacker)).status == .ok }
            #expect(admittedByA < Self.propagationBound)
            #expect(try await a.get("/lockout/list", headers: from("198.51.100.9")).json?["blocks"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aRateLimitCountsTheOtherInstancesRequests() async throws {
        var config = GatehouseConfig.embeddedDefault
        config.server.metering.rateLimitSyncSeconds = 0.1
        try await withTwoInstances(config) { a, b, _, _ in
            let created = try await a.post("/key/generate", ["rpm_limit": 20])
            let key = try #require(created.json?["key"]?.stringValue)
            // Until B authenticates the key itself (an admin's `/key/info` reads the store, which has it sooner).
            _ = try await Self.elapsedUntil { try await b.get("/v1/models", headers: bearer(key)).status == .ok }
            var admittedByA = 0
            for _ in 0..<12 where try await a.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status == .ok {
                admittedByA += 1
            }
            #expect(admittedByA == 12)
            // Once the counts have been exchanged (every 0.1 s), B knows of A's twelve.
            try await Task.sleep(for: .milliseconds(400))
            var statusesOfB: [HTTPResponse.Status] = []
            for _ in 0..<12 { statusesOfB.append(try await b.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(key)).status) }
            #expect(statusesOfB == Array(repeating: .ok, count: 8) + Array(repeating: .tooManyRequests, count: 4))
            // Interleaved, one request every 20 ms on alternate instances: the overshoot is at most
            // what the other admitted within two exchange intervals (the documented tolerance).
            let other = try #require(try await a.post("/key/generate", ["rpm_limit": 20]).json?["key"]?.stringValue)
            try await Task.sleep(for: .milliseconds(300))
            var admitted = 0
            for index in 0..<40 {
                let instance = index % 2 == 0 ? a : b
                if try await instance.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(other)).status == .ok { admitted += 1 }
                try await Task.sleep(for: .milliseconds(20))
            }
            // B sends about 25 requests a second and A learns of them at most two intervals
            // (0.2 s) late: at most 5 over. (23 in this machine's runs.)
            #expect(admitted >= 20 && admitted <= 25)
        }
    }

    @Test func budgetsFailClosedWhenTheStoreIsUnreachable() async throws {
        try await withPostgresDatabase { url in
            var logger = Logger(label: "shared")
            logger.logLevel = .critical
            let store = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            var config = BudgetLiveTests.config()
            config.server.metering.storeTimeoutSeconds = 1
            try await withGatehouse(config, store: store) { client, _ in
                let budgeted = try #require(try await client.post("/key/generate", ["max_budget": 1]).json?["key"]?.stringValue)
                let free = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
                // Served while the store answers (the first reservation also opens the pool's
                // connection, which on a busy machine may take longer than the 1 s allowed).
                let served = try await Self.elapsedUntil {
                    try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(budgeted)).status == .ok
                }
                #expect(served < .seconds(5))
                try await cutOff(url)
                let refused = try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(budgeted))
                #expect(refused.status == .serviceUnavailable && refused.json?["error"]?["type"] != nil)
                // A key without a budget does not need the store on the request path.
                #expect(try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(free)).status == .ok)
                try await cutOff(url, allow: true)
                // Served again once the store is back (and the pool has its connections again
                // before the instance shuts down and writes what it holds).
                let back = try await Self.elapsedUntil {
                    try await client.post("/v1/chat/completions", BudgetLiveTests.request(), headers: bearer(budgeted)).status == .ok
                }
                #expect(back < .seconds(5))
            }
        }
    }

    @Test func rateLimitsFollowTheConfiguredPolicyWhileTheStoreIsUnreachable() async throws {
        try await withPostgresDatabase { url in
            var logger = Logger(label: "shared")
            logger.logLevel = .critical
            let store = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            var config = GatehouseConfig.embeddedDefault
            config.server.metering.rateLimitStorePolicy = .closed
            config.server.metering.rateLimitSyncSeconds = 0.1
            config.server.metering.storeTimeoutSeconds = 0.5
            try await withGatehouse(config, store: store) { client, _ in
                let limited = try #require(try await client.post("/key/generate", ["rpm_limit": 100]).json?["key"]?.stringValue)
                let free = try #require(try await client.post("/key/generate", [:]).json?["key"]?.stringValue)
                // In touch once the first exchange of counts is done (a moment after start, longer
                // on a loaded machine).
                let admitted = try await Self.elapsedUntil {
                    try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(limited)).status == .ok
                }
                #expect(admitted < .seconds(5))
                try await cutOff(url)
                let refused = try await Self.elapsedUntil {
                    try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(limited)).status == .serviceUnavailable
                }
                #expect(refused < .seconds(3))
                #expect(try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(free)).status == .ok)
                // Back in touch: admitted again.
                try await cutOff(url, allow: true)
                let recovered = try await Self.elapsedUntil {
                    try await client.post("/v1/chat/completions", chat("mock-gpt"), headers: bearer(limited)).status == .ok
                }
                // Bounded by the pool's reconnection backoff (about a second alone; more with the whole suite running).
                #expect(recovered < .seconds(8))
            }
        }
    }

    /// Makes the test's database refuse connections and ends the ones open (or, with `allow`,
    /// accept them again).
    func cutOff(_ url: String, allow: Bool = false) async throws {
        let name = String(url.split(separator: "/").last!.split(separator: "?").first!)
        let admin = try PostgresSource(url: url.replacingOccurrences(of: "/" + name, with: "/gatehouse_test"), logger: Logger(label: "admin"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.client.run() }
            try await admin.withDatabase { db in
                try await db.raw("ALTER DATABASE \(unsafeRaw: name) ALLOW_CONNECTIONS \(unsafeRaw: allow ? "true" : "false")").run()
                if !allow { try await db.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(bind: name)").run() }
            }
            group.cancelAll()
        }
    }

    /// Two Gatehouse instances on one fresh PostgreSQL database, with their ports.
    func withTwoInstances(
        _ config: GatehouseConfig = .embeddedDefault,
        _ body: @Sendable (any TestClientProtocol, any TestClientProtocol, Int, Int) async throws -> Void
    ) async throws {
        try await withPostgresDatabase { url in
            var logger = Logger(label: "shared")
            logger.logLevel = .warning
            let storeA = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            let storeB = try await StoreConnection.open(databaseURL: url, dataDirectory: "", logger: logger)
            try await withGatehouse(config, store: storeA) { a, portA in
                try await withGatehouse(config, store: storeB) { b, portB in try await body(a, b, portA, portB) }
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
