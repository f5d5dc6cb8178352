/// What a request may use before the upstream says what it did use: the basis of token-limit
/// reservations and of a budget's worst case.
public struct TokenEstimate: Sendable, Equatable {
    /// An upper bound on the prompt's tokens: the request body's size in bytes. A tokenizer's
    /// token is at least one byte of the text, and the body holds all of the prompt's text plus
    /// JSON syntax that outweighs the few tokens a chat template adds per message. (Images are the
    /// exception: an image URL is short and may cost more tokens than its bytes.)
    public var promptBound: Int
    /// The usual estimate of about four bytes a token.
    public var prompt: Int
    /// The most the completion may use: the largest of `max_tokens` and `max_completion_tokens`
    /// (upstreams differ in which one they obey) times `n`, or the configured default when the
    /// request sets neither; 0 for embeddings. Each is held within `InputBounds.tokens` (the
    /// model routes refuse values outside `1...InputBounds.tokens` before this is made).
    public var completion: Int

    public init(promptBound: Int, prompt: Int, completion: Int) {
        self.promptBound = promptBound
        self.prompt = prompt
        self.completion = completion
    }

    public init(body: JSONValue, bodyBytes: Int, endpoint: Endpoint, defaultMaxTokens: Int) {
        promptBound = bodyBytes
        prompt = (bodyBytes + 3) / 4
        if endpoint == .embeddings {
            completion = 0
        } else {
            let fields = Self.completionFields.compactMap { body[$0]?.doubleValue }
            let maximum = fields.isEmpty ? defaultMaxTokens : Int(saturating: fields.max()!.rounded(.up))
            let choices = Int(saturating: body["n"]?.doubleValue ?? 1)
            completion = InputBounds.clamp(maximum, to: InputBounds.tokens) * min(max(1, choices), Self.maxChoices)
        }
    }

    /// The request fields that bound a completion's length, in any dialect.
    public static let completionFields = ["max_tokens", "max_completion_tokens"]
    /// The most completions (`n`) one request may ask for.
    public static let maxChoices = 128

    /// Checks the fields a worst case is computed from: each present must be a whole number in
    /// `1...InputBounds.tokens` (`n`: `1...maxChoices`). `max_tokens: 0` or `-1` reserved nothing
    /// while upstreams read them as "no limit" (Ollama) or fall back to the other field (vLLM).
    /// - Returns: the name of the first field that is not, or nil.
    public static func invalidField(in body: JSONValue) -> (name: String, bound: Int)? {
        for name in completionFields + ["n"] {
            guard let value = body[name], !value.isNull else { continue }
            let bound = name == "n" ? maxChoices : InputBounds.tokens
            guard let number = value.intValue, number >= 1, number <= bound else { return (name, bound) }
        }
        return nil
    }

    /// Tokens reserved in token-per-minute and per-day windows.
    public var reserved: Int { prompt + completion }

    /// The usage billed when the upstream never reports one.
    public var billed: Usage { Usage(promptTokens: prompt, completionTokens: completion) }
}
