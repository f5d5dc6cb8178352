/// What a request may use before the upstream says what it did use: the basis of token-limit
/// reservations and of a budget's worst case.
public struct TokenEstimate: Sendable, Equatable {
    /// An upper bound on the prompt's tokens: the bytes of text the upstream may tokenize (every
    /// string in the body, and the keys of tool and schema definitions, which are rendered as
    /// text), plus `messageOverhead` tokens a message for the chat template, and never more than
    /// the body's size. A tokenizer's token is at least one byte of the text. (Images are the
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
        promptBound = min(bodyBytes, Self.textBound(body))
        prompt = (promptBound + 3) / 4
        switch endpoint {
        case .embeddings, .moderations:
            completion = 0
        case .imageGenerations:
            // Images are billed as units of "completion" at `output_cost_per_image`: one an image.
            completion = Self.choices(in: body)
        case .chatCompletions, .completions, .messages:
            var largest: Double?
            for name in Self.completionFields {
                if let value = body[name]?.doubleValue { largest = max(largest ?? value, value) }
            }
            let maximum = largest.map { Int(saturating: $0.rounded(.up)) } ?? defaultMaxTokens
            completion = InputBounds.clamp(maximum, to: InputBounds.tokens) * Self.choices(in: body)
        case .audioSpeech:
            // Billed by the input's characters (at most its bytes), as "prompt" units.
            promptBound = body["input"]?.stringValue?.utf8.count ?? 0
            prompt = promptBound
            completion = 0
        case .audioTranscriptions:
            // Billed by the audio's seconds, as "prompt" units: at most one a
            // `audioBytesPerSecond` bytes of the upload (`bodyBytes`), a bitrate below any
            // speech codec's.
            promptBound = bodyBytes / Self.audioBytesPerSecond + 1
            prompt = promptBound
            completion = 0
        }
    }

    /// The fewest bytes a second of uploaded audio takes (4 kbit/s), for the worst case of a
    /// transcription's seconds.
    public static let audioBytesPerSecond = 500

    /// Tokens a chat template may add around each message and content part (OpenAI's adds 3 or 4).
    public static let messageOverhead = 8
    /// Fields whose keys are rendered into the prompt as well as their values. (A list: five
    /// comparisons, most ended by the length, cost less than hashing each of the body's keys.)
    static let renderedWithKeys = ["tools", "functions", "response_format", "tool_choice", "output_config"]

    /// The bytes of text in `body` the upstream may turn into prompt tokens, and the template's
    /// tokens per message: see `promptBound`.
    static func textBound(_ body: JSONValue) -> Int {
        func text(_ value: JSONValue, keys: Bool) -> Int {
            switch value {
            case .string(let string): return string.utf8.count
            // A number or literal the template prints: at most its JSON spelling.
            case .number(let number): return number.text?.utf8.count ?? digits(number.value)
            case .bool, .null: return 5
            case .array(let items): return items.reduce(0) { $0 &+ text($1, keys: keys) + messageOverhead }
            case .object(let fields): return fields.reduce(0) { $0 &+ (keys ? $1.key.utf8.count : 0) &+ text($1.value, keys: keys) }
            }
        }
        func digits(_ value: Double) -> Int {
            guard value == value.rounded(), abs(value) < 1e15 else { return 24 }
            var (count, rest) = (value < 0 ? 2 : 1, abs(Int(value)))
            while rest >= 10 {
                rest /= 10
                count += 1
            }
            return count
        }
        guard case .object(let fields) = body else { return Int.max }
        return fields.reduce(0) { total, field in total &+ text(field.value, keys: renderedWithKeys.contains(field.key)) }
    }

    /// The request fields that bound a completion's length, in any dialect.
    public static let completionFields = ["max_tokens", "max_completion_tokens"]
    /// The fields `invalidField` checks (made once: a new array on every request before).
    static let countedFields = completionFields + ["n"]
    /// The most completions (`n`) one request may ask for.
    public static let maxChoices = 128

    /// The completions a request asks for (`n`), within `1...maxChoices`.
    public static func choices(in body: JSONValue) -> Int {
        min(max(1, Int(saturating: body["n"]?.doubleValue ?? 1)), maxChoices)
    }

    /// Checks the fields a worst case is computed from: each present must be a whole number in
    /// `1...InputBounds.tokens` (`n`: `1...maxChoices`). `max_tokens: 0` or `-1` reserved nothing
    /// while upstreams read them as "no limit" (Ollama) or fall back to the other field (vLLM).
    /// - Returns: the name of the first field that is not, or nil.
    public static func invalidField(in body: JSONValue) -> (name: String, bound: Int)? {
        for name in countedFields {
            guard let value = body[name], !value.isNull else { continue }
            let bound = name == "n" ? maxChoices : InputBounds.tokens
            guard let number = value.intValue, number >= 1, number <= bound else { return (name, bound) }
        }
        return nil
    }

    /// `body` asking for at most `tokens` completion tokens a choice: each length field it sets is
    /// lowered to `tokens`, and `max_tokens` is set when it sets neither.
    public static func limiting(_ body: JSONValue, to tokens: Int) -> JSONValue {
        var body = body
        let present = completionFields.filter { body[$0] != nil && body[$0] != .null }
        for field in present.isEmpty ? ["max_tokens"] : present { body[field] = JSONValue(tokens) }
        return body
    }

    /// Tokens reserved in token-per-minute and per-day windows.
    public var reserved: Int { prompt + completion }

    /// The usage billed when the upstream never reports one.
    public var billed: Usage { Usage(promptTokens: prompt, completionTokens: completion) }
}
