import Foundation
public import GatehouseCore
public import NIOCore

/// Speaks one deployment's wire format: where a call goes, with which credential, and how the
/// client's dialect (OpenAI or Anthropic) maps to the upstream's and back. Immutable, and a
/// class: it travels with every attempt, where copying a deployment's fields each time showed.
public final class ProviderAdapter: Sendable {
    public let deployment: Deployment
    public let transport: any UpstreamTransport

    /// The upstream request's headers when the client sent no Anthropic version or betas (made
    /// once, not for every request).
    private let defaultHeaders: [(String, String)]
    /// Where chat requests go (`/v1/chat/completions` and `/v1/messages` alike, the usual call),
    /// made once, not for every request.
    private let chatURL: String

    public init(deployment: Deployment, transport: any UpstreamTransport) {
        self.deployment = deployment
        self.transport = transport
        self.defaultHeaders = Self.headers(of: deployment, anthropic: AnthropicHeaders())
        self.chatURL = Self.url(for: .chatCompletions, of: deployment)
    }

    /// The same deployment asking its upstream for `upstreamModel` (a pattern's match).
    func routed(to upstreamModel: String) -> ProviderAdapter {
        guard upstreamModel != deployment.upstreamModel else { return self }
        var deployment = deployment
        deployment.upstreamModel = upstreamModel
        return ProviderAdapter(deployment: deployment, transport: transport)
    }

    public var upstreamDialect: Dialect { Self.dialect(of: deployment) }

    static func dialect(of deployment: Deployment) -> Dialect { deployment.provider == .anthropic ? .anthropic : .openAI }

    /// Builds the upstream request. The client's own credentials never appear here: only the
    /// deployment's key does.
    /// - Parameters:
    ///   - anthropic: the client's API version and betas, sent to an Anthropic upstream.
    ///   - multipart: a transcription's upload, sent on with the upstream's model name.
    public func makeRequest(
        _ endpoint: Endpoint, body: JSONValue, stream: Bool, anthropic: AnthropicHeaders = .init(), multipart: MultipartForm? = nil
    ) throws -> UpstreamRequest {
        if endpoint == .audioTranscriptions || endpoint == .audioSpeech, upstreamDialect != .openAI {
            throw GatewayError.invalidRequest("Model `\(deployment.modelName)` (Anthropic) does not support \(endpoint.rawValue).", param: "model")
        }
        if endpoint == .audioTranscriptions {
            guard let form = multipart else { throw GatewayError.invalidRequest("A transcription needs a multipart/form-data upload.") }
            var headers = headers(anthropic: anthropic)
            headers[0] = ("content-type", form.contentType)
            return UpstreamRequest(
                url: url(for: endpoint), headers: headers, body: ByteBuffer(bytes: form.encoded(setting: "model", to: deployment.upstreamModel)))
        }
        let body = deployment.requestDefaults.isEmpty ? body : RequestDefaults.apply(deployment.requestDefaults, to: body, endpoint: endpoint)
        // The client's body is written with its changes, not copied to make them (it is still
        // held by the caller: each change would copy the whole object).
        let upstreamBody: JSONValue
        var changes: [(name: String, value: JSONValue?)] = []
        func change(_ name: String, to value: JSONValue?) {
            changes.removeAll { $0.name == name }
            changes.append((name, value))
        }
        switch (endpoint.clientDialect, upstreamDialect) {
        case (.openAI, .openAI), (.anthropic, .anthropic):
            upstreamBody = body
            change("model", to: .string(deployment.upstreamModel))
        case (.openAI, .anthropic):
            guard endpoint == .chatCompletions else {
                throw GatewayError.invalidRequest(
                    "Model `\(deployment.modelName)` (Anthropic) does not support \(endpoint.rawValue).", param: "model")
            }
            upstreamBody = try ChatToMessages.request(body, upstreamModel: deployment.upstreamModel)
        case (.anthropic, .openAI):
            upstreamBody = try MessagesToChat.request(body, upstreamModel: deployment.upstreamModel)
        }
        // Ask for usage on every OpenAI-format stream, so spend is known even when the client did not ask.
        if stream, upstreamDialect == .openAI {
            var options = upstreamBody["stream_options"] ?? [:]
            options["include_usage"] = true
            change("stream_options", to: options)
        }
        if deployment.provider == .azure { change("model", to: nil) }
        return UpstreamRequest(
            url: url(for: endpoint), headers: headers(anthropic: anthropic),
            body: ByteBuffer(bytes: JSONCoding.encode(upstreamBody, changing: changes)))
    }

    /// Anthropic's `/v1/messages/count_tokens` for this deployment's model, or nil when the
    /// deployment does not speak Anthropic's API.
    public func countTokensRequest(_ body: JSONValue, anthropic: AnthropicHeaders) -> UpstreamRequest? {
        guard upstreamDialect == .anthropic else { return nil }
        var upstreamBody = body
        upstreamBody["model"] = .string(deployment.upstreamModel)
        for field in ["stream", "max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "metadata"] { upstreamBody[field] = nil }
        let base = (deployment.apiBase ?? "").trimmingSuffix("/")
        return UpstreamRequest(
            url: base.hasSuffix("/v1") ? "\(base)/messages/count_tokens" : "\(base)/v1/messages/count_tokens", headers: headers(anthropic: anthropic),
            body: ByteBuffer(bytes: JSONCoding.encode(upstreamBody)))
    }

    func url(for endpoint: Endpoint) -> String {
        endpoint == .chatCompletions || endpoint == .messages ? chatURL : Self.url(for: endpoint, of: deployment)
    }

    /// Both chat endpoints go to one URL: an Anthropic upstream's messages, another's chat completions.
    static func url(for endpoint: Endpoint, of deployment: Deployment) -> String {
        let base = (deployment.apiBase ?? "").trimmingSuffix("/")
        let path: String
        switch (dialect(of: deployment), endpoint) {
        case (.anthropic, _): return base.hasSuffix("/v1") ? "\(base)/messages" : "\(base)/v1/messages"
        case (_, .embeddings): path = "embeddings"
        case (_, .moderations): path = "moderations"
        case (_, .imageGenerations): path = "images/generations"
        case (_, .audioSpeech): path = "audio/speech"
        case (_, .audioTranscriptions): path = "audio/transcriptions"
        case (_, .completions): path = "completions"
        case (_, .chatCompletions), (_, .messages): path = "chat/completions"
        }
        if deployment.provider == .azure {
            let version = deployment.apiVersion ?? ""
            if base.contains("/openai/deployments/") { return "\(base)/\(path)?api-version=\(version)" }
            return "\(base)/openai/deployments/\(deployment.upstreamModel)/\(path)?api-version=\(version)"
        }
        return "\(base)/\(path)"
    }

    func headers(anthropic: AnthropicHeaders = .init()) -> [(String, String)] {
        guard deployment.provider == .anthropic, anthropic.version != nil || !anthropic.betas.isEmpty else { return defaultHeaders }
        return Self.headers(of: deployment, anthropic: anthropic)
    }

    private static func headers(of deployment: Deployment, anthropic: AnthropicHeaders) -> [(String, String)] {
        var headers: [(String, String)] = [("content-type", "application/json"), ("accept", "application/json, text/event-stream")]
        switch deployment.provider {
        case .azure:
            if let key = deployment.apiKey { headers.append(("api-key", key)) }
        case .anthropic:
            if let key = deployment.apiKey { headers.append(("x-api-key", key)) }
            headers.append(("anthropic-version", anthropic.version ?? "2023-06-01"))
            if !anthropic.betas.isEmpty { headers.append(("anthropic-beta", anthropic.betas.joined(separator: ","))) }
        case .openai, .mock:
            if let key = deployment.apiKey { headers.append(("authorization", "Bearer \(key)")) }
        }
        for (name, value) in deployment.extraHeaders.sorted(by: { $0.key < $1.key }) where !reservedHeaders.contains(name.lowercased()) {
            headers.append((name, value))
        }
        return headers
    }

    /// Headers a deployment's `extra_headers` cannot set: the transport frames the request and
    /// names the host itself, and a second length or a chunked encoding beside it would let the
    /// upstream read the body differently from how it was sent.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "te", "upgrade", "keep-alive"]

    /// The members of an answer that `translateResponse` reads, and the `id`, when the answer
    /// is passed on to the client as it came (same dialect): only these need building. Nil: the
    /// answer is translated, and all of it is read. Kept beside `translateResponse`: the two agree.
    public func membersRead(_ endpoint: Endpoint) -> [String]? {
        switch (endpoint.clientDialect, upstreamDialect) {
        case (.openAI, .openAI): endpoint == .imageGenerations ? nil : ["id", "usage"]
        case (.anthropic, .anthropic): ["id", "usage"]
        case (.openAI, .anthropic), (.anthropic, .openAI): nil
        }
    }

    /// A complete upstream answer in the client's dialect, and its usage.
    public func translateResponse(_ endpoint: Endpoint, body: JSONValue, clientModel: String) -> (JSONValue, Usage?) {
        switch (endpoint.clientDialect, upstreamDialect) {
        case (.openAI, .openAI):
            // Images are counted, as the units `output_cost_per_image` prices.
            if endpoint == .imageGenerations { return (body, Usage(promptTokens: 0, completionTokens: body["data"]?.arrayValue?.count ?? 0)) }
            return (body, Usage(openAI: body["usage"]))
        case (.anthropic, .anthropic): return (body, Usage(anthropic: body["usage"]))
        case (.openAI, .anthropic):
            return (ChatToMessages.response(body, model: clientModel, created: Int(Date().timeIntervalSince1970)), Usage(anthropic: body["usage"]))
        case (.anthropic, .openAI): return (MessagesToChat.response(body, model: clientModel), Usage(openAI: body["usage"]))
        }
    }

    public func streamTranslator(_ endpoint: Endpoint, clientModel: String, clientWantsUsage: Bool) -> any StreamTranslator {
        switch (endpoint.clientDialect, upstreamDialect) {
        case (.openAI, .openAI): return OpenAIStreamPassthrough(clientWantsUsage: clientWantsUsage)
        case (.anthropic, .anthropic): return AnthropicStreamPassthrough()
        case (.openAI, .anthropic): return AnthropicToChatStream(model: clientModel, clientWantsUsage: clientWantsUsage)
        case (.anthropic, .openAI): return ChatToAnthropicStream(model: clientModel)
        }
    }

    /// The message of an upstream error body, in either dialect, without echoing anything else.
    public static func errorMessage(from body: JSONValue?) -> String? {
        body?["error"]?["message"]?.stringValue ?? body?["message"]?.stringValue
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var value = self
        while value.hasSuffix(suffix) { value.removeLast(suffix.count) }
        return value
    }
}
