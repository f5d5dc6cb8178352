/// A level of the chain whose limits and budget a request must pass, with one spelling each: in
/// a limit subject's id (`team:<id>`), in what a refused client is told ("this team"), in metric
/// labels and alerts.
public enum LimitLevel: String, Sendable, CaseIterable, CustomStringConvertible {
    case key
    case user
    case team
    case organization
    /// The limits a token's claims carry.
    case token
    /// The limits of an OAuth client of Gatehouse's own authorization server.
    case client
    /// The request's `user` field, counted per credential (`end_user_limits`).
    case endUser = "end_user"
    /// A user's own limits within one team (`/team/member_update`), for the keys they use there.
    case teamMember = "team_member"

    public var description: String { rawValue }

    /// The levels every request is charged to when its principal names them.
    public static let chain: [LimitLevel] = [.key, .user, .team, .organization]

    /// The subject id of an object at this level (`team:<id>`).
    public func subject(_ id: String) -> String { rawValue + ":" + id }
}
