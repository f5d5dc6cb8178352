import Foundation
import GatehouseCore
import GatehouseStore
import SQLKit
import Testing

@Suite("Audit trail in the store")
struct AuditStoreTests {
    func events(_ count: Int, from start: Int = 0) -> [AuditEvent] {
        (start..<start + count).map { index in
            AuditEvent(
                time: Date(timeIntervalSince1970: 1_790_000_000 + Double(index)), action: index % 3 == 0 ? "auth.failure" : "key.update",
                actor: index % 2 == 0 ? "master" : "user:u1", object: "key:k\(index % 5)", outcome: index % 3 == 0 ? .failure : .success,
                address: "10.0.0.\(index % 7)", details: ["n": JSONValue(index)])
        }
    }

    /// A fresh store with `count` records appended in two batches.
    func withTrail(_ kind: StoreKind, count: Int = 40, _ body: @Sendable (AuditStore, any SQLConnectionSource) async throws -> Void) async throws {
        try await StoreFixture.withSource(kind) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = AuditStore(source: source)
            try await store.append(events(count / 2))
            try await store.append(events(count - count / 2, from: count / 2))
            try await body(store, source)
        }
    }

    func sql(_ source: any SQLConnectionSource, _ statement: String) async throws {
        try await source.withDatabase { try await $0.raw(SQLQueryString(statement)).run() }
    }

    @Test(arguments: StoreKind.allCases)
    func appendedBatchesFormOneChainThatFiltersFind(kind: StoreKind) async throws {
        try await withTrail(kind) { store, _ in
            #expect(try await store.verify(pageSize: 7) == .intact(records: 40))
            #expect(try await store.head().sequence == 40)
            let failures = try await store.find(.init(action: "auth.*", outcome: "failure"), limit: 5, offset: 0)
            #expect(failures.total == 14 && failures.records.count == 5 && failures.records.first?.sequence == 40)
            #expect(failures.records.allSatisfy { $0.action == "auth.failure" })
            let window = try await store.find(
                .init(from: Date(timeIntervalSince1970: 1_790_000_010), to: Date(timeIntervalSince1970: 1_790_000_020), actor: "master"),
                limit: 100, offset: 0)
            #expect(window.total == 5 && window.records.map(\.sequence) == [19, 17, 15, 13, 11])
            let byObject = try await store.find(.init(object: "key:k3"), limit: 3, offset: 3)
            #expect(byObject.total == 8 && byObject.records.map(\.sequence) == [24, 19, 14])
            #expect(byObject.records.first?.details == #"{"n":23}"#)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anAlteredRecordIsNamed(kind: StoreKind) async throws {
        try await withTrail(kind) { store, source in
            try await sql(source, "UPDATE gatehouse_audit SET outcome = 'success' WHERE sequence = 13")
            #expect(try await store.verify() == .altered(sequence: 13))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDeletedRecordIsNamed(kind: StoreKind) async throws {
        try await withTrail(kind) { store, source in
            try await sql(source, "DELETE FROM gatehouse_audit WHERE sequence = 25")
            #expect(try await store.verify() == .missing(before: 26))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func reorderedRecordsAreNamed(kind: StoreKind) async throws {
        try await withTrail(kind) { store, source in
            // Two records swap places (their numbers), contents and hashes untouched.
            try await sql(source, "UPDATE gatehouse_audit SET sequence = -1 WHERE sequence = 7")
            try await sql(source, "UPDATE gatehouse_audit SET sequence = 7 WHERE sequence = 8")
            try await sql(source, "UPDATE gatehouse_audit SET sequence = 8 WHERE sequence = -1")
            #expect(try await store.verify() == .altered(sequence: 7))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordsCutOffTheEndAreNoticed(kind: StoreKind) async throws {
        try await withTrail(kind) { store, source in
            try await sql(source, "DELETE FROM gatehouse_audit WHERE sequence >= 39")
            #expect(try await store.verify() == .truncated(lastSequence: 38, headSequence: 40))
        }
    }

    @Test func instancesAppendingAtOnceExtendOneChain() async throws {
        try await StoreFixture.withSource(.postgres) { source in
            _ = try await source.withDatabase { try await Migrations.migrate($0) }
            let store = AuditStore(source: source)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask { for batch in 0..<5 { try await store.append(self.events(3, from: writer * 100 + batch * 3)) } }
                }
                try await group.waitForAll()
            }
            #expect(try await store.verify() == .intact(records: 120))
        }
    }
}
