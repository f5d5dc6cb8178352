/// Request parameters a deployment sets in `litellm_params` (`temperature`, `reasoning_effort`…):
/// LiteLLM passes them on every call to the deployment; Gatehouse sends each one the client's
/// request leaves out, where the client's endpoint has such a parameter.
public enum RequestDefaults {
    /// Every name a deployment may set, in the OpenAI dialect. (`n` is not one: it multiplies what
    /// a request costs after its budget was reserved for one completion.)
    public static let names = [
        "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "seed", "reasoning_effort", "frequency_penalty",
        "presence_penalty", "stop", "logprobs", "top_logprobs", "response_format", "parallel_tool_calls", "thinking",
        "service_tier", "verbosity", "logit_bias", "modalities", "dimensions", "encoding_format",
    ]
    static let embeddingsOnly: Set<String> = ["dimensions", "encoding_format"]
    /// Those an Anthropic Messages request (`/v1/messages`) has under the same name.
    static let anthropic: Set<String> = ["temperature", "top_p", "top_k", "max_tokens", "thinking"]

    static func applies(_ name: String, to endpoint: Endpoint) -> Bool {
        switch endpoint {
        case .embeddings: embeddingsOnly.contains(name)
        case .messages: anthropic.contains(name)
        case .chatCompletions, .completions: !embeddingsOnly.contains(name)
        case .moderations, .imageGenerations, .audioSpeech, .audioTranscriptions: false
        }
    }

    /// `body` with each of `defaults` it does not set and `endpoint` has.
    public static func apply(_ defaults: [String: JSONValue], to body: JSONValue, endpoint: Endpoint) -> JSONValue {
        var body = body
        for (name, value) in defaults where body[name] == nil && applies(name, to: endpoint) {
            // Upstreams differ in which of the two length fields they obey: a client that set one
            // has set its length, and a default for the other must not override it.
            if TokenEstimate.completionFields.contains(name), TokenEstimate.completionFields.contains(where: { body[$0] != nil }) { continue }
            body[name] = value
        }
        return body
    }
}
