import SQLKit

/// Finding keys by a piece of their alias or id without reading every key.
///
/// SQLite: an FTS5 table with the trigram tokenizer over `alias || ' ' || id`, kept by triggers.
/// Its rows are numbered by a table of their own (`INTEGER PRIMARY KEY`, which `VACUUM` keeps),
/// not by the keys table's implicit rowid, which `VACUUM` may renumber. A search that matches
/// few keys reads them from the index; one that matches most of them (`key`) is answered by the
/// plain scan in creation order, which finds a page of matches at once: the index is asked first
/// how many it holds, up to `denseAbove`.
///
/// PostgreSQL: `pg_trgm` GIN indexes on `lower(alias)` and `lower(id)`, which the planner uses
/// for `LIKE '%…%'` on its own. Where the extension cannot be created (no privilege), the
/// migration leaves them out and searches scan.
enum KeyTextSearch {
    static let text = "gatehouse_key_text"
    static let numbers = "gatehouse_key_search"
    /// Above this many matches a search scans in creation order instead.
    static let denseAbove = 5000

    static let sqliteSchema = [
        "CREATE TABLE \(numbers) (n INTEGER PRIMARY KEY, key_id TEXT NOT NULL UNIQUE)",
        "CREATE VIRTUAL TABLE \(text) USING fts5(body, tokenize='trigram', detail='none')",
        """
        CREATE TRIGGER gatehouse_key_text_insert AFTER INSERT ON gatehouse_keys BEGIN
          INSERT INTO \(numbers) (key_id) VALUES (new.id);
          INSERT INTO \(text) (rowid, body) VALUES (last_insert_rowid(), coalesce(new.alias, '') || ' ' || new.id);
        END
        """,
        """
        CREATE TRIGGER gatehouse_key_text_update AFTER UPDATE OF alias ON gatehouse_keys BEGIN
          UPDATE \(text) SET body = coalesce(new.alias, '') || ' ' || new.id WHERE rowid = (SELECT n FROM \(numbers) WHERE key_id = new.id);
        END
        """,
        """
        CREATE TRIGGER gatehouse_key_text_delete AFTER DELETE ON gatehouse_keys BEGIN
          DELETE FROM \(text) WHERE rowid = (SELECT n FROM \(numbers) WHERE key_id = old.id);
          DELETE FROM \(numbers) WHERE key_id = old.id;
        END
        """,
        "INSERT INTO \(numbers) (key_id) SELECT id FROM gatehouse_keys",
        "INSERT INTO \(text) (rowid, body) SELECT s.n, coalesce(k.alias, '') || ' ' || k.id FROM \(numbers) s JOIN gatehouse_keys k ON k.id = s.key_id",
    ]

    static func postgresIndexes(_ db: any SQLDatabase) async throws {
        // A trusted extension since PostgreSQL 13: the database's owner may create it. Without
        // it, searches still work by scanning.
        guard (try? await db.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm").run()) != nil else { return }
        for column in ["alias", "id"] {
            try await db.raw(
                SQLQueryString(
                    "CREATE INDEX gatehouse_keys_\(unsafeRaw: column)_trigram ON gatehouse_keys USING gin (lower(\(unsafeRaw: column)) gin_trgm_ops)")
            ).run()
        }
    }

    /// Whether the index should answer a search for `pattern` (a `LIKE` pattern): only on
    /// SQLite, and only when it matches few keys.
    static func usesIndex(_ db: any SQLDatabase, pattern: String) async throws -> Bool {
        guard db.dialect.name == "sqlite" else { return false }
        let matches = try await db.raw(
            "SELECT COUNT(*) AS n FROM (SELECT rowid FROM \(unsafeRaw: text) WHERE body LIKE \(bind: pattern) LIMIT \(unsafeRaw: String(denseAbove + 1)))"
        ).first()?.decode(column: "n", as: Int.self)
        return (matches ?? .max) <= denseAbove
    }

    /// The keys whose alias or id holds the pattern, as the index has them.
    static func matching(_ pattern: String) -> SQLQueryString {
        "id IN (SELECT key_id FROM \(unsafeRaw: numbers) WHERE n IN (SELECT rowid FROM \(unsafeRaw: text) WHERE body LIKE \(bind: pattern)))"
    }
}
