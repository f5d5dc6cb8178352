import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("Spend in the store (SQLite and PostgreSQL)")
struct SpendStoreTests {
    func record(
        _ id: String, key: String, team: String? = nil, model: String = "gpt-4o", cost: String, at seconds: Double = 1_790_000_000
    )
        -> SpendRecord
    {
        var charges = [BudgetLedger.Charge(account: "key:" + key, periodStart: 0)]
        if let team { charges.append(BudgetLedger.Charge(account: "team:" + team, periodStart: 1_789_000_000_000)) }
        var record = SpendRecord(
            requestID: id, startedAt: Date(timeIntervalSince1970: seconds), principalID: key, method: "api_key", model: model,
            usage: Usage(promptTokens: 10, completionTokens: 5), cost: USD(Decimal(string: cost)!), status: 200, charges: charges)
        record.keyID = key
        record.teamID = team
        record.deployment = "d1"
        record.latencyMs = 12
        return record
    }

    @Test(arguments: StoreKind.allCases)
    func recordsAndTotalsAreWrittenTogetherAndAddUpExactly(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = SpendStore(source: source)
            let batch = (0..<250).map { record("r\($0)", key: $0 % 2 == 0 ? "a" : "b", team: "t", cost: "0.0000125", at: 1_790_000_000 + Double($0)) }
            try await store.write(Array(batch[..<100]))
            try await store.write(Array(batch[100...]))
            let totals = try await store.totals(of: [
                .init(account: "key:a", periodStart: 0), .init(account: "key:b", periodStart: 0),
                .init(account: "team:t", periodStart: 1_789_000_000_000), .init(account: "team:t", periodStart: 0),
            ])
            #expect(totals[.init(account: "key:a", periodStart: 0)] == USD(Decimal(string: "0.0015625")!))
            #expect(totals[.init(account: "team:t", periodStart: 1_789_000_000_000)] == USD(Decimal(string: "0.003125")!))
            #expect(totals[.init(account: "team:t", periodStart: 0)] == nil)
            #expect(try await store.total(.init()) == USD(Decimal(string: "0.003125")!))

            var filter = SpendStore.Filter()
            filter.keyID = "b"
            let page = try await store.records(filter, limit: 10)
            #expect(page.count == 10 && page.first?.requestID == "r249" && page.allSatisfy { $0.keyID == "b" })
            #expect(page.first == batch[249].withoutCharges)
            filter = SpendStore.Filter()
            filter.from = Date(timeIntervalSince1970: 1_790_000_100)
            filter.until = Date(timeIntervalSince1970: 1_790_000_110)
            #expect(try await store.records(filter, limit: 100).count == 10)
            let byKey = try await store.spend(by: "key_id", .init(), limit: 10)
            #expect(byKey.count == 2 && byKey.allSatisfy { $0.requests == 125 && $0.tokens == 125 * 15 })
        }
    }

    /// Every field read back as written, across more rows than one statement takes, with texts
    /// that quoting must not break: quotes, backslashes, JSON and SQL syntax, non-ASCII, and a NUL
    /// (which no PostgreSQL text holds and SQLite cuts a text at: stored as U+FFFD, so the batch
    /// still lands and the text is whole), in a short text and in one held outside the string.
    @Test(arguments: StoreKind.allCases)
    func everyFieldSurvivesALargeBatchWhateverItsText(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = SpendStore(source: source)
            let texts = [
                "plain", "", "it's \"quoted\"", "back\\slash", "{\"json\": [1]}", "'); DROP TABLE gatehouse_keys; --", "ünïcødé ✓", "nul\u{0}inside",
                "a text longer than a small string, with a nul near its end\u{0}.",
            ]
            let batch = (0..<6_001).map { index in
                var row = record(
                    "q\(index)", key: "k\(index % 3)", team: index % 2 == 0 ? "t" : nil, cost: "0.0000001", at: 1_790_000_000 + Double(index))
                row.endUser = index % 5 == 0 ? nil : texts[index % texts.count]
                row.keyAlias = texts[(index + 1) % texts.count]
                row.responseID = index % 4 == 0 ? nil : "chatcmpl-\(index)"
                row.usageEstimated = index % 2 == 1
                row.stream = index % 3 == 1
                row.status = index % 7 == 0 ? 500 : 200
                row.latencyMs = index
                return row
            }
            try await store.write(batch)
            var read: [SpendRecord] = []
            while read.count < batch.count {
                read += try await store.records(.init(), limit: 1000, offset: read.count)
            }
            let expected = batch.map { row in
                var row = row.withoutCharges
                row.endUser = row.endUser?.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                row.keyAlias = row.keyAlias?.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                return row
            }
            let differing = zip(read.sorted { $0.latencyMs < $1.latencyMs }, expected).filter { $0.0 != $0.1 }
            #expect(read.count == expected.count)
            #expect(differing.isEmpty, "\(differing.count) rows differ, the first: \(String(describing: differing.first))")
            #expect(try await store.totals(of: [.init(account: "team:t", periodStart: 1_789_000_000_000)]).values.first == USD(units: 1000 * 3001))
            #expect(try await KeyStore(source: source).count() == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedBatchWritesNothing(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = SpendStore(source: source)
            try await store.write([record("same", key: "a", cost: "1")])
            // The second batch repeats a request id: its other row and its totals must not land.
            await #expect(throws: (any Error).self) {
                try await store.write([record("other", key: "a", cost: "2"), record("same", key: "a", cost: "4")])
            }
            #expect(try await store.total(.init()) == USD(dollars: 1))
            #expect(try await store.totals(of: [.init(account: "key:a", periodStart: 0)]).values.first == USD(dollars: 1))
            let all = try await store.totals()
            #expect(all.count == 1 && all[0].spend == USD(dollars: 1))
        }
    }

    /// SQLite's batches are written on the connection's own handle: once the connection is
    /// closed, a batch fails (and stays pending in the writer) rather than use a freed handle.
    @Test func aBatchAfterTheSQLiteConnectionClosedFailsCleanly() async throws {
        let source = try await SQLiteSource.inMemory(logger: StoreFixture.logger)
        _ = try await source.withDatabase { try await Migrations.migrate($0) }
        let store = SpendStore(source: source)
        try await store.write([record("before", key: "a", cost: "1")])
        #expect(try await store.total(.init()) == USD(dollars: 1))
        try await source.close()
        await #expect(throws: (any Error).self) { try await store.write([record("after", key: "a", cost: "1")]) }
    }
}

extension SpendRecord {
    /// As read back: the store keeps totals per charge, not the charges of each row.
    var withoutCharges: SpendRecord {
        var copy = self
        copy.charges = []
        return copy
    }
}
