/// The two API dialects Gatehouse speaks, to clients and to upstreams.
public enum Dialect: Sendable {
    case openAI
    case anthropic
}
