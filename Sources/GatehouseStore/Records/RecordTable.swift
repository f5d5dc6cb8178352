import SQLKit

/// Create, read, update and delete for one `StoredRecord` type, with equality filters and paging.
struct RecordTable<Record: StoredRecord>: Sendable {
    let source: any SQLConnectionSource

    func insert(_ record: Record) async throws {
        try await source.withDatabase { db in
            let columns = record.columnValues
            try await db.insert(into: Record.table).columns(columns.map(\.name)).values(columns.map(\.value)).run()
        }
    }

    func update(_ record: Record) async throws {
        try await source.withDatabase { db in
            var query = db.update(Record.table)
            for (column, value) in record.columnValues where column != "id" {
                query = query.set(SQLColumn(column), to: value)
            }
            try await query.where("id", .equal, record.id).run()
        }
    }

    /// - Returns: how many of the records existed.
    @discardableResult
    func delete(ids: [String]) async throws -> Int {
        try await source.withDatabase { db in try await db.deleteCounting(from: Record.table, where: "id", in: ids) }
    }

    func record(id: String) async throws -> Record? {
        try await fetch(where: [("id", id)], limit: 1).first
    }

    /// Records matching every `(column, value)` pair, in creation order; `offset` applies with a `limit`.
    func fetch(where filters: [(String, String)] = [], limit: Int? = nil, offset: Int = 0) async throws -> [Record] {
        try await source.withDatabase { db in
            var query = db.select().columns(Record.columns.map { SQLColumn($0) }).from(Record.table)
            for (column, value) in filters { query = query.where(SQLColumn(column), .equal, SQLBind(value)) }
            query = query.orderBy("created_at_ms").orderBy("id")
            if let limit { query = query.limit(limit).offset(offset) }
            return try await query.all().map(Record.init(row:))
        }
    }

    func records(ids: [String]) async throws -> [Record] {
        guard !ids.isEmpty else { return [] }
        return try await source.withDatabase { db in
            try await db.select().columns(Record.columns.map { SQLColumn($0) }).from(Record.table).where("id", .in, ids)
                .orderBy("created_at_ms").all().map(Record.init(row:))
        }
    }

    func count(where filters: [(String, String)] = [], text: String? = nil, in textColumns: [String] = []) async throws -> Int {
        try await source.withDatabase { db in
            let query = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(Record.table)
            Self.filter(query, filters, text: text, in: textColumns)
            return Int(try await query.first()?.decode(column: "total", as: Int64.self) ?? 0)
        }
    }

    /// A page, in id order after `after` (keyset paging: any page costs what the first does), of
    /// the records matching every `(column, value)` pair and holding `text` in one of `textColumns`.
    func search(
        where filters: [(String, String)], text: String?, in textColumns: [String], after: String?, limit: Int
    ) async throws
        -> [Record]
    {
        try await source.withDatabase { db in
            let query = db.select().columns(Record.columns.map { SQLColumn($0) }).from(Record.table)
            Self.filter(query, filters, text: text, in: textColumns)
            if let after { query.where("id", .greaterThan, SQLBind(after)) }
            return try await query.orderBy("id").limit(limit).all().map(Record.init(row:))
        }
    }

    static func filter(_ query: SQLSelectBuilder, _ filters: [(String, String)], text: String?, in textColumns: [String]) {
        for (column, value) in filters { query.where(SQLColumn(column), .equal, SQLBind(value)) }
        guard let text, !text.isEmpty, !textColumns.isEmpty else { return }
        let pattern = LikeSearch.containing(text)
        query.where { group in
            var group = group
            for column in textColumns { group = group.orWhere(SQLFunction("LOWER", args: SQLColumn(column)), .like, SQLBind(pattern)) }
            return group
        }
    }

    /// Records in id order after `id` (keyset paging, for loading a cache without holding it twice).
    func page(after id: String?, limit: Int) async throws -> [Record] {
        try await source.withDatabase { db in
            var query = db.select().columns(Record.columns.map { SQLColumn($0) }).from(Record.table)
            if let id { query = query.where("id", .greaterThan, id) }
            return try await query.orderBy("id").limit(limit).all().map(Record.init(row:))
        }
    }

    /// Every record, page by page.
    func all(pageSize: Int = 5000) async throws -> [Record] {
        var records: [Record] = []
        var after: String?
        while true {
            let page = try await page(after: after, limit: pageSize)
            records += page
            guard let last = page.last, page.count == pageSize else { return records }
            after = last.id
        }
    }
}

/// Searches by a fragment of text, in any case.
enum LikeSearch {
    /// The LIKE pattern of what contains `text` (compared with `LOWER(column)`), without LIKE's
    /// wildcards and escape, whose escaping differs between SQLite and PostgreSQL: a search for
    /// `50%` finds what `50` finds.
    static func containing(_ text: String) -> String {
        "%" + String(text.lowercased().filter { $0 != "%" && $0 != "_" && $0 != "\\" }) + "%"
    }
}
