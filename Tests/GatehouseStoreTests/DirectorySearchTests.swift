import Foundation
import GatehouseCore
import GatehouseStore
import Testing

@Suite("Searching users and teams in the store (the console's lists)")
struct DirectorySearchTests {
    @Test(arguments: StoreKind.allCases)
    func keysetPagesAndTextSearchAgreeWithTheirCounts(kind: StoreKind) async throws {
        try await StoreFixture.withSource(kind) { source in
            let identities = IdentityStore(source: source)
            try await identities.migrate()
            let directory = identities.directory
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 0..<23 {
                var user = User(id: String(format: "user-%02d", index), createdAt: now)
                user.email = index % 4 == 0 ? "Person\(index)@Example.com" : nil
                user.alias = index == 7 ? "Grace 100%" : nil
                user.role = index % 5 == 0 ? .proxyAdmin : .internalUser
                try await directory.insert(user)
                var team = Team(id: String(format: "team-%02d", index), createdAt: now)
                team.alias = index % 2 == 0 ? "Search \(index)" : "Batch \(index)"
                try await directory.insert(team)
            }
            // Every user once, page after page, in id order.
            var search = DirectorySearch()
            search.limit = 10
            var seen: [String] = []
            while true {
                let page = try await directory.users(search)
                seen += page.map(\.id)
                guard page.count == search.limit, let last = page.last else { break }
                search.after = last.id
            }
            #expect(seen == (0..<23).map { String(format: "user-%02d", $0) })

            func users(_ change: (inout DirectorySearch) -> Void) async throws -> [String] {
                var search = DirectorySearch()
                search.limit = 100
                change(&search)
                let found = try await directory.users(search)
                #expect(try await directory.userCount(search) == found.count)
                return found.map(\.id)
            }
            #expect(try await users { $0.text = "EXAMPLE.com" } == ["user-00", "user-04", "user-08", "user-12", "user-16", "user-20"])
            #expect(try await users { $0.text = "grace 100%" } == ["user-07"], "aliases, any case; `%` is plain text")
            #expect(try await users { $0.text = "user-1" }.count == 10)
            #expect(
                try await users {
                    $0.role = .proxyAdmin
                    $0.text = "example"
                } == ["user-00", "user-20"])
            #expect(try await users { $0.text = "u_er" }.isEmpty, "`_` is no wildcard")

            var teams = DirectorySearch()
            teams.text = "search"
            teams.limit = 5
            let first = try await directory.teams(teams)
            #expect(first.map(\.id) == ["team-00", "team-02", "team-04", "team-06", "team-08"])
            #expect(try await directory.teamCount(teams) == 12)
            teams.after = first.last?.id
            #expect(try await directory.teams(teams).first?.id == "team-10")
        }
    }
}
