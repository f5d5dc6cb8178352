import Foundation
import GatehouseCore
import Testing

@testable import GatehouseStore

@Suite("The console's spend queries: deployment health and a level's use before a request (SQLite and PostgreSQL)")
struct SpendConsoleQueryTests {
    static let base = 1_790_000_000.0

    func record(
        _ id: String, key: String, team: String?, deployment: String?, status: Int, latency: Int, cents: Int, at offset: Double
    )
        -> SpendRecord
    {
        var record = SpendRecord(
            requestID: id, startedAt: Date(timeIntervalSince1970: Self.base + offset), principalID: key, method: "api_key", model: "m",
            usage: Usage(promptTokens: 10, completionTokens: 5), cost: USD(Decimal(cents) / 100), status: status, charges: [])
        record.keyID = key
        record.teamID = team
        record.deployment = deployment
        record.latencyMs = latency
        return record
    }

    @Test(arguments: StoreKind.allCases)
    func deploymentsCountErrorsAndLatencyWithinTheRange(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = SpendStore(source: source)
            try await store.write([
                record("r1", key: "a", team: nil, deployment: "d1", status: 200, latency: 10, cents: 1, at: 0),
                record("r2", key: "a", team: nil, deployment: "d1", status: 500, latency: 30, cents: 0, at: 1),
                record("r3", key: "a", team: nil, deployment: "d1", status: 429, latency: 20, cents: 0, at: 2),
                record("r4", key: "a", team: nil, deployment: "d2", status: 200, latency: 7, cents: 1, at: 3),
                record("r5", key: "a", team: nil, deployment: nil, status: 503, latency: 1, cents: 0, at: 4),  // no deployment answered
                record("r0", key: "a", team: nil, deployment: "d1", status: 500, latency: 999, cents: 0, at: -7200),  // before the range
            ])
            var filter = SpendStore.Filter()
            filter.from = Date(timeIntervalSince1970: Self.base - 3600)
            let stats = try await store.deployments(filter)
            #expect(
                stats == [
                    .init(deployment: "d1", requests: 3, errors: 2, meanLatencyMs: 20, maxLatencyMs: 30),
                    .init(deployment: "d2", requests: 1, errors: 0, meanLatencyMs: 7, maxLatencyMs: 7),
                ])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aLevelsUseIsCountedFromItsOwnRowsBeforeTheMoment(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = SpendStore(source: source)
            try await store.write([
                record("old", key: "a", team: "t", deployment: "d", status: 200, latency: 1, cents: 100, at: -90_000),  // yesterday, earlier period
                record("day", key: "a", team: "t", deployment: "d", status: 200, latency: 1, cents: 10, at: -3_000),  // today, not this minute
                record("min1", key: "a", team: "t", deployment: "d", status: 200, latency: 1, cents: 1, at: -30),
                record("min2", key: "b", team: "t", deployment: "d", status: 200, latency: 1, cents: 1, at: -10),
                record("this", key: "a", team: "t", deployment: "d", status: 200, latency: 1, cents: 5, at: 0),  // the request itself
                record("after", key: "a", team: "t", deployment: "d", status: 200, latency: 1, cents: 5, at: 10),
            ])
            let moment = Date(timeIntervalSince1970: Self.base)
            let budgetFrom = Date(timeIntervalSince1970: Self.base - 86_400)  // the budget's period began a day ago
            let dayFrom = Date(timeIntervalSince1970: Self.base - 3_600)
            let key = try await store.use(of: .key, id: "a", before: moment, budgetFrom: budgetFrom, dayFrom: dayFrom)
            #expect(
                key == .init(spend: USD(Decimal(11) / 100), minuteRequests: 1, minuteTokens: 15, dayRequests: 2, dayTokens: 30))
            let team = try await store.use(of: .team, id: "t", before: moment, budgetFrom: Date(timeIntervalSince1970: 0), dayFrom: dayFrom)
            #expect(
                team == .init(spend: USD(Decimal(112) / 100), minuteRequests: 2, minuteTokens: 30, dayRequests: 3, dayTokens: 45))
            #expect(try await store.use(of: .endUser, id: "a", before: moment, budgetFrom: budgetFrom, dayFrom: dayFrom) == .init())
        }
    }
}
