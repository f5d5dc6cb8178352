/// Tokens a response used, in OpenAI's terms.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// From an OpenAI `usage` object.
    public init?(openAI usage: JSONValue?) {
        guard let usage, let prompt = usage["prompt_tokens"]?.intValue else { return nil }
        self.init(promptTokens: prompt, completionTokens: usage["completion_tokens"]?.intValue ?? 0)
    }

    /// From an Anthropic `usage` object (cache reads and writes count as input).
    public init?(anthropic usage: JSONValue?) {
        guard let usage, let input = usage["input_tokens"]?.intValue else { return nil }
        let cached = (usage["cache_read_input_tokens"]?.intValue ?? 0) + (usage["cache_creation_input_tokens"]?.intValue ?? 0)
        self.init(promptTokens: input + cached, completionTokens: usage["output_tokens"]?.intValue ?? 0)
    }

    public var openAIJSON: JSONValue {
        ["prompt_tokens": JSONValue(promptTokens), "completion_tokens": JSONValue(completionTokens), "total_tokens": JSONValue(totalTokens)]
    }

    public var anthropicJSON: JSONValue {
        ["input_tokens": JSONValue(promptTokens), "output_tokens": JSONValue(completionTokens)]
    }
}
