/// Tokens a response used, in OpenAI's terms.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    /// Counts are held within `0...InputBounds.tokens`: an upstream reporting negative usage
    /// would refund spend, and absurd usage would overflow the cost.
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = InputBounds.clamp(promptTokens, to: InputBounds.tokens)
        self.completionTokens = InputBounds.clamp(completionTokens, to: InputBounds.tokens)
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// From an OpenAI `usage` object.
    public init?(openAI usage: JSONValue?) {
        guard let usage, usage["prompt_tokens"]?.doubleValue != nil else { return nil }
        self.init(promptTokens: Self.count(usage["prompt_tokens"]), completionTokens: Self.count(usage["completion_tokens"]))
    }

    /// From an Anthropic `usage` object (cache reads and writes count as input).
    public init?(anthropic usage: JSONValue?) {
        guard let usage, usage["input_tokens"]?.doubleValue != nil else { return nil }
        let cached = Self.count(usage["cache_read_input_tokens"]) + Self.count(usage["cache_creation_input_tokens"])
        self.init(promptTokens: Self.count(usage["input_tokens"]) + cached, completionTokens: Self.count(usage["output_tokens"]))
    }

    /// A reported count, held within `0...InputBounds.tokens` (a count beyond it, or a fraction,
    /// is taken as the bound: the most an upstream could bill).
    static func count(_ value: JSONValue?) -> Int {
        guard let number = value?.doubleValue, number > 0 else { return 0 }
        return InputBounds.clamp(Int(saturating: number.rounded(.up)), to: InputBounds.tokens)
    }

    public var openAIJSON: JSONValue {
        ["prompt_tokens": JSONValue(promptTokens), "completion_tokens": JSONValue(completionTokens), "total_tokens": JSONValue(totalTokens)]
    }

    public var anthropicJSON: JSONValue {
        ["input_tokens": JSONValue(promptTokens), "output_tokens": JSONValue(completionTokens)]
    }
}
