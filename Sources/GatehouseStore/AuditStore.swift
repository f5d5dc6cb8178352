import Foundation
public import GatehouseCore
import SQLKit

/// The audit trail in the database: records chained by hash, appended under a lock on the head
/// row so that instances sharing one PostgreSQL extend one chain, and read back by filter or in
/// sequence order for verification.
public struct AuditStore: Sendable {
    let source: any SQLConnectionSource
    static let records = "gatehouse_audit"
    static let head = "gatehouse_audit_head"
    static let columns = [
        "sequence", "time_ms", "action", "actor", "object", "outcome", "address", "details", "previous_hash", "hash",
    ]

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    /// Appends `events` to the chain. - Returns: them as stored.
    @discardableResult
    public func append(_ events: [AuditEvent]) async throws -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        return try await source.withTransaction { db in
            // FOR UPDATE on PostgreSQL: one writer extends the chain at a time (SQLite is serial).
            let row = try await db.select().columns("sequence", "hash").from(Self.head).where("id", .equal, SQLBind(1))
                .lockingClause(SQLLockingClause.update).first()
            guard let row else { throw AuditStoreError.noHead }
            let records = AuditChain.link(
                events, after: try row.decode(column: "sequence", as: Int64.self), hash: try row.decode(column: "hash", as: String.self))
            for batch in stride(from: 0, to: records.count, by: 500) {
                var insert = db.insert(into: Self.records).columns(Self.columns)
                for record in records[batch..<min(batch + 500, records.count)] {
                    insert = insert.values(
                        SQLBind(record.sequence), SQLBind(record.timeMs), SQLBind(record.action), SQLBind(record.actor),
                        SQLBind(record.object), SQLBind(record.outcome), SQLBind(record.address), SQLBind(record.details),
                        SQLBind(record.previousHash), SQLBind(record.hash))
                }
                try await insert.run()
            }
            if let last = records.last {
                try await db.update(Self.head).set("sequence", to: SQLBind(last.sequence)).set("hash", to: SQLBind(last.hash))
                    .where("id", .equal, SQLBind(1)).run()
            }
            return records
        }
    }

    /// What `/audit` filters by; every field optional.
    public struct Filter: Sendable {
        public var from: Date?
        public var to: Date?
        public var actor: String?
        public var action: String?
        public var object: String?
        public var outcome: String?

        public init(from: Date? = nil, to: Date? = nil, actor: String? = nil, action: String? = nil, object: String? = nil, outcome: String? = nil) {
            self.from = from
            self.to = to
            self.actor = actor
            self.action = action
            self.object = object
            self.outcome = outcome
        }
    }

    /// The newest records matching `filter` first. An `action` ending in `.*` matches the prefix.
    /// - Parameter before: only records older than this sequence number (keyset paging; `total`
    ///   still counts every match).
    public func find(_ filter: Filter, before: Int64? = nil, limit: Int, offset: Int = 0) async throws -> (records: [AuditRecord], total: Int) {
        try await source.withDatabase { db in
            func filtered<Builder: SQLPredicateBuilder>(_ query: Builder) -> Builder {
                var query = query
                if let from = filter.from { query = query.where("time_ms", .greaterThanOrEqual, SQLBind(Column.milliseconds(from))) }
                if let to = filter.to { query = query.where("time_ms", .lessThan, SQLBind(Column.milliseconds(to))) }
                if let actor = filter.actor { query = query.where("actor", .equal, SQLBind(actor)) }
                if let object = filter.object { query = query.where("object", .equal, SQLBind(object)) }
                if let outcome = filter.outcome { query = query.where("outcome", .equal, SQLBind(outcome)) }
                if let action = filter.action {
                    if action.hasSuffix(".*") {
                        query = query.where("action", .like, SQLBind(String(action.dropLast()) + "%"))
                    } else {
                        query = query.where("action", .equal, SQLBind(action))
                    }
                }
                return query
            }
            let total =
                try await filtered(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(Self.records))
                .first()?.decode(column: "n", as: Int.self) ?? 0
            var rows = filtered(db.select().columns(Self.columns).from(Self.records))
            if let before { rows = rows.where("sequence", .lessThan, SQLBind(before)) }
            let found = try await rows.orderBy("sequence", .descending).limit(limit).offset(offset).all()
            return (try found.map(Self.record), total)
        }
    }

    /// Records in sequence order after `sequence`, up to `last` (for verification, page by page).
    public func records(after sequence: Int64, through last: Int64 = .max, limit: Int) async throws -> [AuditRecord] {
        try await source.withDatabase { db in
            try await db.select().columns(Self.columns).from(Self.records).where("sequence", .greaterThan, SQLBind(sequence))
                .where("sequence", .lessThanOrEqual, SQLBind(last)).orderBy("sequence").limit(limit).all().map(Self.record)
        }
    }

    /// The last record's sequence and hash as the head row keeps them.
    public func head() async throws -> (sequence: Int64, hash: String) {
        try await source.withDatabase { db in
            guard let row = try await db.select().columns("sequence", "hash").from(Self.head).where("id", .equal, SQLBind(1)).first() else {
                throw AuditStoreError.noHead
            }
            return (try row.decode(column: "sequence", as: Int64.self), try row.decode(column: "hash", as: String.self))
        }
    }

    /// Reads the whole trail and checks its chain against the head. The head is read first, so
    /// records appended meanwhile (by a running server) are left for the next check.
    public func verify(pageSize: Int = 5000) async throws -> AuditChain.Finding {
        let head = try await head()
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        while true {
            let page = try await records(after: after, through: head.sequence, limit: pageSize)
            guard let last = page.last, verifier.check(page) else { break }
            after = last.sequence
        }
        return verifier.finish(headSequence: head.sequence, headHash: head.hash)
    }

    static func record(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(
            sequence: try row.decode(column: "sequence", as: Int64.self), timeMs: try row.decode(column: "time_ms", as: Int64.self),
            action: try row.decode(column: "action", as: String.self), actor: try row.decode(column: "actor", as: String.self),
            object: try row.decode(column: "object", as: String?.self), outcome: try row.decode(column: "outcome", as: String.self),
            address: try row.decode(column: "address", as: String?.self), details: try row.decode(column: "details", as: String.self),
            previousHash: try row.decode(column: "previous_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self))
    }
}

public enum AuditStoreError: Error, CustomStringConvertible {
    case noHead

    public var description: String { "the audit trail's head row is missing: run `gatehouse migrate`, or the trail was tampered with" }
}
