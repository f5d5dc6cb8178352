/// An object an audit record, a failure count or a change names, with one spelling each
/// (`key:<id>`, `user:<id>`…): written in one place, parsed in one place.
public enum ObjectRef: Sendable, Hashable, CustomStringConvertible {
    case key(String)
    case user(String)
    case team(String)
    case organization(String)
    /// An OAuth client of Gatehouse's own authorization server.
    case client(String)
    /// A client certificate, by its fingerprint or bound identity.
    case certificate(String)
    /// A token Gatehouse issued, by its `jti`.
    case token(String)
    /// An end user (LiteLLM's customer).
    case endUser(String)
    /// A shared budget.
    case budget(String)
    /// A model added through the API, by its deployment id.
    case model(String)

    public var kind: String {
        switch self {
        case .key: "key"
        case .user: "user"
        case .team: "team"
        case .organization: "organization"
        case .client: "client"
        case .certificate: "certificate"
        case .token: "token"
        case .endUser: "end_user"
        case .budget: "budget"
        case .model: "model"
        }
    }

    public var id: String {
        switch self {
        case .key(let id), .user(let id), .team(let id), .organization(let id), .client(let id), .certificate(let id), .token(let id),
            .endUser(let id), .budget(let id), .model(let id):
            id
        }
    }

    public var description: String { kind + ":" + id }

    /// The reference `description` wrote, or nil.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let id = String(text[text.index(after: colon)...])
        switch text[..<colon] {
        case "key": self = .key(id)
        case "user": self = .user(id)
        case "team": self = .team(id)
        case "organization": self = .organization(id)
        case "client": self = .client(id)
        case "certificate": self = .certificate(id)
        case "token": self = .token(id)
        case "end_user": self = .endUser(id)
        case "budget": self = .budget(id)
        case "model": self = .model(id)
        default: return nil
        }
    }
}
