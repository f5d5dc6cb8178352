import Foundation
import GatehouseCore
import SQLKit
import Testing

@testable import GatehouseStore

@Suite("Searching keys in the store (the console's key list)")
struct KeySearchTests {
    @Test(arguments: StoreKind.allCases)
    func filtersSearchAndKeysetPagingAgree(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            let keys = identities.keys
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            // 25 keys, one a second; every fifth blocked, every seventh expiring in a day, key 0 expired.
            for index in 0..<25 {
                var key = VirtualKey(
                    id: String(format: "key-%02d", index), hash: String(repeating: "\(index % 10)", count: 63) + "\(index)",
                    display: "sk-…\(index)", createdAt: now.addingTimeInterval(Double(index) - 100))
                key.alias = index % 2 == 0 ? "Team-Search-\(index)" : "batch \(index)"
                key.userID = index < 10 ? "ivan" : "olga"
                key.teamID = index % 3 == 0 ? "search" : nil
                key.blocked = index % 5 == 0 && index > 0
                if index % 7 == 0 { key.expiresAt = now.addingTimeInterval(86_400) }
                if index == 0 { key.expiresAt = now.addingTimeInterval(-1) }
                try await keys.insert(key)
            }
            var search = KeySearch()
            search.limit = 10
            // Newest first, page after page, each key once.
            var seen: [String] = []
            while true {
                let page = try await keys.search(search, now: now)
                seen += page.map(\.id)
                guard page.count == search.limit, let last = page.last else { break }
                search.after = KeySearch.Cursor(after: last)
                #expect(KeySearch.Cursor(text: search.after!.text) == search.after)
            }
            #expect(seen == (0..<25).reversed().map { String(format: "key-%02d", $0) })
            #expect(try await keys.count(KeySearch(), now: now) == 25)

            func ids(_ change: (inout KeySearch) -> Void) async throws -> Set<String> {
                var search = KeySearch()
                search.limit = 100
                change(&search)
                let found = try await keys.search(search, now: now)
                #expect(try await keys.count(search, now: now) == found.count)
                return Set(found.map(\.id))
            }
            // Any case, alias or id; LIKE's wildcards are plain text.
            #expect(try await ids { $0.text = "team-search-1" } == ["key-10", "key-12", "key-14", "key-16", "key-18"])
            #expect(try await ids { $0.text = "KEY-2" }.count == 5)
            #expect(try await ids { $0.text = "search-1%" } == ids { $0.text = "search-1" })
            #expect(try await ids { $0.text = "b_tch" }.isEmpty, "`_` is no wildcard")
            #expect(
                try await ids {
                    $0.userID = "ivan"
                    $0.teamID = "search"
                } == ["key-00", "key-03", "key-06", "key-09"])
            #expect(try await ids { $0.status = .blocked } == ["key-05", "key-10", "key-15", "key-20"])
            #expect(try await ids { $0.status = .expired } == ["key-00"])
            #expect(try await ids { $0.status = .expiring } == ["key-07", "key-14", "key-21"])
            #expect(try await ids { $0.status = .active }.count == 25 - 4 - 1)
            #expect(try await identities.directory.teamCount() == 0)

            // The text index follows renames and deletions.
            var renamed = try #require(try await keys.key(id: "key-03"))
            renamed.alias = "Nightly Ingest"
            try await keys.update(renamed)
            #expect(try await ids { $0.text = "nightly ing" } == ["key-03"])
            #expect(try await ids { $0.text = "batch 3" }.isEmpty)
            _ = try await keys.delete(ids: ["key-03"])
            #expect(try await ids { $0.text = "nightly" }.isEmpty)
            let (page, total) = try await keys.find(
                {
                    var search = KeySearch()
                    search.text = "search"
                    search.limit = 2
                    return search
                }(), now: now)
            #expect(page.map(\.id) == ["key-24", "key-22"] && total == 13)
            if kind == .postgres {  // the trigram indexes exist (pg_trgm ships with PostgreSQL)
                let indexes = try await source.withDatabase { db in
                    try await db.raw("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'gatehouse_keys_%_trigram'").all()
                        .map { try $0.decode(column: "indexname", as: String.self) }
                }
                #expect(Set(indexes) == ["gatehouse_keys_alias_trigram", "gatehouse_keys_id_trigram"])
            }
        }
    }

    /// A text most keys hold is answered by the scan in creation order (the index is asked only
    /// how many it holds); both ways find the same keys.
    @Test func aTextMostKeysHoldIsFoundByScanningAndAgrees() async throws {
        try await StoreFixture.withSource(.sqlite) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 0..<(KeyTextSearch.denseAbove + 10) {
                var key = VirtualKey(
                    id: String(format: "key-%05d", index), hash: String(format: "%064d", index), display: "sk-…",
                    createdAt: now.addingTimeInterval(Double(index)))
                key.alias = index % 1000 == 0 ? "rare \(index)" : "common \(index)"
                try await identities.keys.insert(key)
            }
            let (rareIndexed, commonIndexed) = try await source.withDatabase { db in
                (
                    try await KeyTextSearch.usesIndex(db, pattern: LikeSearch.containing("rare")),
                    try await KeyTextSearch.usesIndex(db, pattern: LikeSearch.containing("common"))
                )
            }
            #expect(rareIndexed && !commonIndexed)
            var search = KeySearch()
            search.text = "COMMON"
            search.limit = 3
            let (dense, denseTotal) = try await identities.keys.find(search, now: now)
            #expect(dense.map(\.id) == ["key-05009", "key-05008", "key-05007"] && denseTotal == KeyTextSearch.denseAbove + 10 - 6)
            search.text = "rare"
            let (rare, rareTotal) = try await identities.keys.find(search, now: now)
            #expect(rare.map(\.id) == ["key-05000", "key-04000", "key-03000"] && rareTotal == 6)
        }
    }
}
