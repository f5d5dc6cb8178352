/// The API a client called.
public enum Endpoint: String, Sendable {
    case chatCompletions = "chat.completions"
    case completions
    case embeddings
    case messages
    case moderations
    /// `/v1/images/generations`: billed by the image (`output_cost_per_image`).
    case imageGenerations = "images.generations"
    /// `/v1/audio/speech`: text in, audio bytes out; billed by the input character
    /// (`input_cost_per_character`).
    case audioSpeech = "audio.speech"
    /// `/v1/audio/transcriptions`: a multipart upload; billed by the audio second
    /// (`input_cost_per_second`).
    case audioTranscriptions = "audio.transcriptions"

    public var clientDialect: Dialect { self == .messages ? .anthropic : .openAI }
    public var streams: Bool { generatesText }
    /// Whether the answer is generated text, bounded by `max_tokens` (what `fit` budgets lower).
    public var generatesText: Bool { [.chatCompletions, .completions, .messages].contains(self) }
}
