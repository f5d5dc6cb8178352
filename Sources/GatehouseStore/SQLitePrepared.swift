import VaporCSQLite

/// A failed call into SQLite made through `SQLitePrepared`: its result code and the connection's
/// message (which names tables and constraints, never a bound value).
struct SQLiteCallError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    init(_ code: Int32, on db: OpaquePointer) {
        self.code = code
        message = sqlite_nio_sqlite3_errmsg(db).map { String(cString: $0) } ?? "SQLite error \(code)"
    }

    private init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The connection's handle was not found (closed, or SQLiteNIO keeps it elsewhere).
    static let noHandle = SQLiteCallError(code: SQLITE_MISUSE, message: "the SQLite connection's handle is not available")

    var description: String { "SQLite error \(code): \(message)" }
}

/// One statement prepared on a connection's own handle, then bound and run once per row: a bulk
/// write prepares it once, where SQLiteNIO prepares a statement for each call (the spend writer
/// used to send multi-row `INSERT`s of 500 rows, 10,000 placeholders, parsed and compiled anew
/// for every batch).
/// Only for a caller that holds the connection alone (`SQLiteSource.withHandle`), on a thread
/// that may block.
struct SQLitePrepared: ~Copyable {
    /// C's `SQLITE_TRANSIENT` (a cast the importer does not bring over): SQLite copies the bytes.
    private static let copiedText = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private let db: OpaquePointer
    private let statement: OpaquePointer

    init(_ sql: String, on db: OpaquePointer) throws(SQLiteCallError) {
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, 0, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite_nio_sqlite3_finalize(statement)
            throw SQLiteCallError(code, on: db)
        }
        self.db = db
        self.statement = statement
    }

    deinit { sqlite_nio_sqlite3_finalize(statement) }

    /// A text (copied by SQLite), or NULL for nil. An empty text stays a text.
    func bind(_ text: String?, at index: Int32) throws(SQLiteCallError) {
        guard var text else { return try check(sqlite_nio_sqlite3_bind_null(statement, index)) }
        let code = text.withUTF8 { bytes in
            // A nil address would bind NULL: an empty text is bound from a literal's.
            guard let address = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, Self.copiedText, UInt8(SQLITE_UTF8))
            }
            return address.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(bytes.count), Self.copiedText, UInt8(SQLITE_UTF8))
            }
        }
        try check(code)
    }

    func bind(_ value: Int64, at index: Int32) throws(SQLiteCallError) {
        try check(sqlite_nio_sqlite3_bind_int64(statement, index, value))
    }

    /// Runs the statement with the values bound (a write: any row it returns is ignored), then
    /// readies it for the next values.
    func run() throws(SQLiteCallError) {
        var code = sqlite_nio_sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite_nio_sqlite3_step(statement) }
        // `reset` repeats a failed step's code; the step's own is the one to report.
        let reset = sqlite_nio_sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw SQLiteCallError(code, on: db) }
        try check(reset)
    }

    private func check(_ code: Int32) throws(SQLiteCallError) {
        guard code == SQLITE_OK else { throw SQLiteCallError(code, on: db) }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`), committed when it returns and
    /// rolled back when it throws.
    static func transaction<T>(on db: OpaquePointer, _ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE", on: db)
        do {
            let result = try body()
            try execute("COMMIT", on: db)
            return result
        } catch {
            try? execute("ROLLBACK", on: db)
            throw error
        }
    }

    /// A statement without values, run once.
    static func execute(_ sql: String, on db: OpaquePointer) throws(SQLiteCallError) {
        let code = sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteCallError(code, on: db) }
    }
}
