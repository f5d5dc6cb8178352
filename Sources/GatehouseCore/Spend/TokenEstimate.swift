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
    /// The most the completion may use: `max_tokens` (or `max_completion_tokens`) times `n`, or
    /// the configured default when the request sets no maximum; 0 for embeddings.
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
            let maximum = body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue ?? defaultMaxTokens
            completion = max(0, maximum) * max(1, min(body["n"]?.intValue ?? 1, 128))
        }
    }

    /// Tokens reserved in token-per-minute and per-day windows.
    public var reserved: Int { prompt + completion }

    /// The usage billed when the upstream never reports one.
    public var billed: Usage { Usage(promptTokens: prompt, completionTokens: completion) }
}
