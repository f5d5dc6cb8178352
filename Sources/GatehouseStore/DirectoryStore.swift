public import GatehouseCore
import SQLKit

/// Users, teams (with their members) and organizations in the database. Like `KeyStore`, read by
/// the management API and by `IdentityCache`, never by the request path.
public struct DirectoryStore: Sendable {
    let source: any SQLConnectionSource
    let users: RecordTable<User>
    let teams: RecordTable<Team>
    let organizations: RecordTable<Organization>
    static let members = "gatehouse_team_members"

    public init(source: any SQLConnectionSource) {
        self.source = source
        users = RecordTable(source: source)
        teams = RecordTable(source: source)
        organizations = RecordTable(source: source)
    }

    // MARK: users

    public func insert(_ user: User) async throws { try await users.insert(user) }
    public func update(_ user: User) async throws { try await users.update(user) }
    public func user(id: String) async throws -> User? { try await users.record(id: id) }
    public func user(email: String) async throws -> User? { try await users.fetch(where: [("email", email)], limit: 1).first }
    /// The user a sign-in name means: ids and emails are one namespace (the management API keeps
    /// an id from equalling another user's email), so at most one user has the name.
    public func user(named name: String) async throws -> User? {
        if let byID = try await user(id: name) { return byID }
        return try await user(email: name)
    }
    public func users(role: Principal.Role? = nil, limit: Int? = nil, offset: Int = 0) async throws -> [User] {
        try await users.fetch(where: role.map { [("role", $0.rawValue)] } ?? [], limit: limit, offset: offset)
    }
    /// The users with these ids (unknown ids are skipped), read 500 at a time.
    public func users(ids: [String]) async throws -> [User] {
        var found: [User] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            found += try await users.records(ids: Array(ids[start..<min(start + 500, ids.count)]))
        }
        return found
    }
    /// The members of an organization, at most `limit`.
    public func users(organizationID: String, limit: Int) async throws -> [User] {
        try await users.fetch(where: [("organization_id", organizationID)], limit: limit)
    }
    /// A page of users in id order, by role and text (in id, email or alias).
    public func users(_ search: DirectorySearch) async throws -> [User] {
        try await users.search(where: search.roleFilter, text: search.text, in: DirectorySearch.userText, after: search.after, limit: search.limit)
    }
    public func userCount(_ search: DirectorySearch) async throws -> Int {
        try await users.count(where: search.roleFilter, text: search.text, in: DirectorySearch.userText)
    }
    public func userCount(role: Principal.Role? = nil) async throws -> Int {
        try await users.count(where: role.map { [("role", $0.rawValue)] } ?? [])
    }

    /// Deletes the users and their team memberships.
    public func deleteUsers(ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        try await source.withDatabase { db in try await db.delete(from: Self.members).where("user_id", .in, ids).run() }
        return try await users.delete(ids: ids)
    }

    // MARK: teams

    /// Inserts the team and its members.
    public func insert(_ team: Team) async throws {
        try await teams.insert(team)
        for member in team.members { try await setMember(member, of: team.id) }
    }

    /// Updates the team's own fields; members change through `setMember` and `removeMember`.
    public func update(_ team: Team) async throws { try await teams.update(team) }

    public func team(id: String) async throws -> Team? {
        try await withMembers(try await teams.record(id: id).map { [$0] } ?? []).first
    }

    public func teamCount() async throws -> Int { try await teams.count() }
    /// A page of teams in id order, by text (in id or alias), with their members.
    public func teams(_ search: DirectorySearch) async throws -> [Team] {
        try await withMembers(try await teams.search(where: [], text: search.text, in: ["id", "alias"], after: search.after, limit: search.limit))
    }
    public func teamCount(_ search: DirectorySearch) async throws -> Int { try await teams.count(text: search.text, in: ["id", "alias"]) }

    public func teams(organizationID: String? = nil, limit: Int? = nil, offset: Int = 0) async throws -> [Team] {
        try await withMembers(try await teams.fetch(where: organizationID.map { [("organization_id", $0)] } ?? [], limit: limit, offset: offset))
    }

    public func teams(ids: [String]) async throws -> [Team] { try await withMembers(try await teams.records(ids: ids)) }

    /// Deletes the teams and their memberships (their keys are the caller's to delete).
    public func deleteTeams(ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        try await source.withDatabase { db in try await db.delete(from: Self.members).where("team_id", .in, ids).run() }
        return try await teams.delete(ids: ids)
    }

    /// Adds the member, or changes their role when they already belong to the team.
    public func setMember(_ member: TeamMember, of teamID: String) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.members).where("team_id", .equal, teamID).where("user_id", .equal, member.userID).run()
            try await db.insert(into: Self.members).columns("team_id", "user_id", "role", "bounds")
                .values(
                    SQLBind(teamID), SQLBind(member.userID), SQLBind(member.role.rawValue), SQLBind(member.boundsJSON.map(JSONCoding.encodeString))
                ).run()
        }
    }

    public func removeMember(userID: String, from teamID: String) async throws {
        try await source.withDatabase { db in
            try await db.delete(from: Self.members).where("team_id", .equal, teamID).where("user_id", .equal, userID).run()
        }
    }

    /// The teams a user belongs to, and their role in each.
    public func memberships(userID: String) async throws -> [String: TeamMember.Role] {
        try await source.withDatabase { db in
            let rows = try await db.select().columns("team_id", "role").from(Self.members).where("user_id", .equal, userID).all()
            var roles: [String: TeamMember.Role] = [:]
            for row in rows {
                roles[try row.decode(column: "team_id", as: String.self)] =
                    TeamMember.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .user
            }
            return roles
        }
    }

    private func withMembers(_ found: [Team]) async throws -> [Team] {
        guard !found.isEmpty else { return [] }
        let rows = try await source.withDatabase { db in
            try await db.select().columns("team_id", "user_id", "role", "bounds").from(Self.members).where("team_id", .in, found.map(\.id))
                .orderBy("user_id").all()
        }
        var byTeam: [String: [TeamMember]] = [:]
        for row in rows {
            let role = TeamMember.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .user
            var member = TeamMember(userID: try row.decode(column: "user_id", as: String.self), role: role)
            if let text = try row.decode(column: "bounds", as: String?.self) { member.apply(bounds: try? JSONCoding.decode(Array(text.utf8))) }
            byTeam[try row.decode(column: "team_id", as: String.self), default: []].append(member)
        }
        return found.map { team in
            var team = team
            team.members = byTeam[team.id] ?? []
            return team
        }
    }

    // MARK: organizations

    public func insert(_ organization: Organization) async throws { try await organizations.insert(organization) }
    public func update(_ organization: Organization) async throws { try await organizations.update(organization) }
    public func organization(id: String) async throws -> Organization? { try await organizations.record(id: id) }
    public func organizations() async throws -> [Organization] { try await organizations.fetch() }
    public func deleteOrganizations(ids: [String]) async throws -> Int { try await organizations.delete(ids: ids) }

    /// Everything the identity cache needs, read page by page.
    func allUsers() async throws -> [User] { try await users.all() }
    func allTeams() async throws -> [Team] { try await teams.all() }
    func allOrganizations() async throws -> [Organization] { try await organizations.all() }
}

/// What a list of users or teams asks for: a text to find, a role (users), and where the page
/// starts — after an id, in id order.
public struct DirectorySearch: Sendable, Equatable {
    public var text: String?
    public var role: Principal.Role?
    public var after: String?
    public var limit = 50

    public init() {}

    static let userText = ["id", "email", "alias"]
    var roleFilter: [(String, String)] { role.map { [("role", $0.rawValue)] } ?? [] }
}
