public import GatehouseCore
import SQLKit

/// End users (LiteLLM's customers) and the shared budgets that end users, keys and team members
/// refer to. Read by the management API and by `IdentityCache`, never by the request path.
public struct CustomerStore: Sendable {
    let source: any SQLConnectionSource
    let endUserTable: RecordTable<EndUser>
    let budgetTable: RecordTable<Budget>
    static let endUsers = "gatehouse_end_users"
    static let budgets = "gatehouse_budgets"

    public init(source: any SQLConnectionSource) {
        self.source = source
        endUserTable = RecordTable(source: source)
        budgetTable = RecordTable(source: source)
    }

    // MARK: end users

    public func insert(_ endUser: EndUser) async throws { try await endUserTable.insert(endUser) }
    public func update(_ endUser: EndUser) async throws { try await endUserTable.update(endUser) }
    public func endUser(id: String) async throws -> EndUser? { try await endUserTable.record(id: id) }
    public func endUsers(ids: [String]) async throws -> [EndUser] { try await endUserTable.records(ids: ids) }
    @discardableResult
    public func deleteEndUsers(ids: [String]) async throws -> Int { try await endUserTable.delete(ids: ids) }

    /// End users in id order whose id or alias contains `search` (any case), a page at a time.
    public func endUsers(search: String?, limit: Int, offset: Int) async throws -> [EndUser] {
        try await source.withDatabase { db in
            var query = db.select().columns(EndUser.columns.map { SQLColumn($0) }).from(Self.endUsers)
            if let search, !search.isEmpty {
                let pattern = LikeSearch.containing(search)
                query = query.where { group in
                    group.where(SQLFunction("LOWER", args: SQLColumn("id")), .like, SQLBind(pattern))
                        .orWhere(SQLFunction("LOWER", args: SQLColumn("alias")), .like, SQLBind(pattern))
                }
            }
            return try await query.orderBy("id").limit(limit).offset(offset).all().map(EndUser.init(row:))
        }
    }

    // MARK: budgets

    public func insert(_ budget: Budget) async throws { try await budgetTable.insert(budget) }
    public func update(_ budget: Budget) async throws { try await budgetTable.update(budget) }
    public func budget(id: String) async throws -> Budget? { try await budgetTable.record(id: id) }
    public func budgets(ids: [String]) async throws -> [Budget] { try await budgetTable.records(ids: ids) }
    public func budgets(limit: Int? = nil, offset: Int = 0) async throws -> [Budget] { try await budgetTable.fetch(limit: limit, offset: offset) }
    @discardableResult
    public func deleteBudgets(ids: [String]) async throws -> Int { try await budgetTable.delete(ids: ids) }

    /// What still refers to the budget: end users, keys and team members (`team/user`), at most
    /// `limit` of each kind.
    public func references(toBudget id: String, limit: Int = 5) async throws -> [String] {
        try await source.withDatabase { db in
            let endUsers = try await db.select().column("id").from(Self.endUsers).where("budget_id", .equal, id).limit(limit).all()
                .map { "end_user:" + (try $0.decode(column: "id", as: String.self)) }
            let keys = try await db.select().column("id").from("gatehouse_keys").where("budget_id", .equal, id).limit(limit).all()
                .map { "key:" + (try $0.decode(column: "id", as: String.self)) }
            let members = try await db.select().columns("team_id", "user_id", "bounds").from(DirectoryStore.members)
                .where(SQLColumn("bounds"), .isNot, SQLLiteral.null).all()
                .filter { row in
                    let text = try row.decode(column: "bounds", as: String.self)
                    return (try? JSONCoding.decode(Array(text.utf8)))?["budget_id"]?.stringValue == id
                }
                .prefix(limit)
                .map {
                    "team_member:" + (try $0.decode(column: "team_id", as: String.self)) + "/" + (try $0.decode(column: "user_id", as: String.self))
                }
            return endUsers + keys + members
        }
    }

    /// Everything the identity cache needs, read page by page.
    func allEndUsers() async throws -> [EndUser] { try await endUserTable.all() }
    func allBudgets() async throws -> [Budget] { try await budgetTable.all() }
}
