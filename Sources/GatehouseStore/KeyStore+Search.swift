public import Foundation
public import GatehouseCore
import SQLKit

/// What a key list asks for: filters, a text to find in aliases and ids, and where the page
/// starts — keyset paging, newest first, so that the thousandth page costs what the first does.
public struct KeySearch: Sendable, Equatable {
    /// Where a page starts: after the key created at `createdAt` with this id.
    public struct Cursor: Sendable, Equatable {
        public var createdAt: Int64
        public var id: String

        public init(createdAt: Int64, id: String) {
            self.createdAt = createdAt
            self.id = id
        }

        /// The cursor after a key.
        public init(after key: VirtualKey) {
            self.init(createdAt: Int64(saturating: (key.createdAt.timeIntervalSince1970 * 1000).rounded()), id: key.id)
        }

        /// As it travels in a URL: `<milliseconds>.<id>`.
        public var text: String { "\(createdAt).\(id)" }

        public init?(text: String) {
            let parts = text.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let milliseconds = Int64(parts[0]), parts[1].utf8.count <= 200 else { return nil }
            self.init(createdAt: milliseconds, id: String(parts[1]))
        }
    }

    public enum Status: String, Sendable, CaseIterable {
        case active, blocked, expired
        /// Active, and expiring within a week.
        case expiring
    }

    public var text: String?
    public var userID: String?
    public var teamID: String?
    public var status: Status?
    public var after: Cursor?
    public var limit = 50

    public init() {}
}

extension KeyStore {
    /// A page of the keys matching the search, newest first.
    public func search(_ search: KeySearch, now: Date = Date()) async throws -> [VirtualKey] {
        try await source.withDatabase { db in try await Self.page(db, search, indexed: try await Self.indexed(db, search), now: now) }
    }

    /// How many keys match the search (all its pages).
    public func count(_ search: KeySearch, now: Date = Date()) async throws -> Int {
        try await source.withDatabase { db in try await Self.count(db, search, indexed: try await Self.indexed(db, search), now: now) }
    }

    /// A page and how many keys match in all (the search's `after` is not counted against it),
    /// deciding once how a text is searched.
    public func find(_ search: KeySearch, now: Date = Date()) async throws -> (keys: [VirtualKey], total: Int) {
        try await source.withDatabase { db in
            let indexed = try await Self.indexed(db, search)
            var all = search
            all.after = nil
            return (try await Self.page(db, search, indexed: indexed, now: now), try await Self.count(db, all, indexed: indexed, now: now))
        }
    }

    /// Whether the search's text is looked up in the trigram index (`KeyTextSearch`).
    static func indexed(_ db: any SQLDatabase, _ search: KeySearch) async throws -> Bool {
        guard let text = search.text, !text.isEmpty else { return false }
        return try await KeyTextSearch.usesIndex(db, pattern: LikeSearch.containing(text))
    }

    static func page(_ db: any SQLDatabase, _ search: KeySearch, indexed: Bool, now: Date) async throws -> [VirtualKey] {
        let query = db.select().columns(VirtualKey.columns.map { SQLColumn($0) }).from(VirtualKey.table)
        filter(query, search, indexed: indexed, now: now)
        if let after = search.after {
            query.where { group in
                group.where("created_at_ms", .lessThan, SQLBind(after.createdAt)).orWhere { same in
                    same.where("created_at_ms", .equal, SQLBind(after.createdAt)).where("id", .lessThan, SQLBind(after.id))
                }
            }
        }
        return try await query.orderBy("created_at_ms", .descending).orderBy("id", .descending).limit(search.limit).all()
            .map(VirtualKey.init(row:))
    }

    static func count(_ db: any SQLDatabase, _ search: KeySearch, indexed: Bool, now: Date) async throws -> Int {
        let query = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(VirtualKey.table)
        filter(query, search, indexed: indexed, now: now)
        return Int(try await query.first()?.decode(column: "total", as: Int64.self) ?? 0)
    }

    /// - Parameter indexed: whether the text is found through the trigram index rather than by
    ///   reading each key's alias and id.
    static func filter(_ query: SQLSelectBuilder, _ search: KeySearch, indexed: Bool, now: Date) {
        if let userID = search.userID { query.where("user_id", .equal, SQLBind(userID)) }
        if let teamID = search.teamID { query.where("team_id", .equal, SQLBind(teamID)) }
        if let text = search.text, !text.isEmpty, indexed {
            query.where(KeyTextSearch.matching(LikeSearch.containing(text)))
        } else if let text = search.text, !text.isEmpty {
            let pattern = LikeSearch.containing(text)
            query.where { group in
                group.where(SQLFunction("LOWER", args: SQLColumn("alias")), .like, SQLBind(pattern))
                    .orWhere(SQLFunction("LOWER", args: SQLColumn("id")), .like, SQLBind(pattern))
            }
        }
        let nowMS = Column.milliseconds(now)
        let stillValid = { (group: SQLPredicateGroupBuilder) -> SQLPredicateGroupBuilder in
            group.where("expires_at_ms", .is, SQLLiteral.null).orWhere("expires_at_ms", .greaterThan, SQLBind(nowMS))
        }
        switch search.status {
        case nil: break
        case .blocked?: query.where("blocked", .equal, Column.bool(true))
        case .active?: query.where("blocked", .equal, Column.bool(false)).where(group: stillValid)
        case .expired?: query.where("expires_at_ms", .lessThanOrEqual, SQLBind(nowMS))
        case .expiring?:
            query.where("blocked", .equal, Column.bool(false)).where("expires_at_ms", .greaterThan, SQLBind(nowMS))
                .where("expires_at_ms", .lessThanOrEqual, SQLBind(nowMS + 7 * 86_400_000))
        }
    }
}
