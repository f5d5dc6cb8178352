public import Foundation
import SQLKit

/// Lockout blocks shared by the instances on one database: each publishes the blocks it begins
/// and reads everyone's, so that a client blocked by one instance is blocked by all, and a block
/// lifted through any instance ends everywhere.
public struct LockoutStore: Sendable {
    let source: any SQLConnectionSource
    static let table = "gatehouse_lockouts"

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    /// Adds blocks (a later end replaces an earlier one for the same subject).
    public func publish(_ blocks: [(subject: String, until: Date)]) async throws {
        guard !blocks.isEmpty else { return }
        try await source.withDatabase { db in
            for block in blocks {
                try await db.insert(into: Self.table).columns("subject", "until_ms")
                    .values(SQLBind(block.subject), SQLBind(Column.milliseconds(block.until)))
                    .onConflict(with: ["subject"]) { $0.set(excludedValueOf: "until_ms") }
                    .run()
            }
        }
    }

    /// Blocks in force at `now`; those that ended are removed.
    public func active(at now: Date) async throws -> [String: Date] {
        try await source.withDatabase { db in
            try await db.delete(from: Self.table).where("until_ms", .lessThanOrEqual, SQLBind(Column.milliseconds(now))).run()
            let rows = try await db.select().columns("subject", "until_ms").from(Self.table).all()
            return Dictionary(
                try rows.map { (try $0.decode(column: "subject", as: String.self), try Column.date($0, "until_ms")) }, uniquingKeysWith: max)
        }
    }

    /// Lifts a block everywhere. - Returns: whether it was there.
    @discardableResult
    public func delete(subject: String) async throws -> Bool {
        try await source.withDatabase { db in try await db.deleteCounting(from: Self.table, where: "subject", in: [subject]) > 0 }
    }
}
