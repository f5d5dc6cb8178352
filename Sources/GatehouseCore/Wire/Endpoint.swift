/// The API a client called.
public enum Endpoint: String, Sendable {
    case chatCompletions = "chat.completions"
    case completions
    case embeddings
    case messages

    public var clientDialect: Dialect { self == .messages ? .anthropic : .openAI }
    public var streams: Bool { self != .embeddings }
}
