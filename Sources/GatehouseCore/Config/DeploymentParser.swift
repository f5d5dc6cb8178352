import Yams

/// Reads one `model_list` entry.
enum DeploymentParser {
    static let defaultBases: [String: String] = [
        "openai": "https://api.openai.com/v1",
        "text-completion-openai": "https://api.openai.com/v1",
        "anthropic": "https://api.anthropic.com",
        "groq": "https://api.groq.com/openai/v1",
        "together_ai": "https://api.together.xyz/v1",
        "deepseek": "https://api.deepseek.com/v1",
        "mistral": "https://api.mistral.ai/v1",
        "openrouter": "https://openrouter.ai/api/v1",
        "xai": "https://api.x.ai/v1",
        "fireworks_ai": "https://api.fireworks.ai/inference/v1",
        "perplexity": "https://api.perplexity.ai",
    ]

    /// - Returns: the deployment, or nil (with a warning) when its provider is one LiteLLM knows
    ///   and Gatehouse does not speak.
    static func parse(_ node: Node, index: Int, reader: inout ConfigReader) throws -> Deployment? {
        let p = "model_list[\(index)]"
        let entry = try reader.fields(node, at: p, known: Keys.deployment)
        let modelName = try reader.requiredString(entry["model_name"], at: "\(p).model_name", parent: node)
        guard let paramsNode = entry["litellm_params"] else {
            throw reader.error("\(p).litellm_params", node, "is required")
        }
        let pp = "\(p).litellm_params"
        let params = try reader.fields(paramsNode, at: pp, known: Keys.params, ignored: Keys.paramsIgnored)
        let model = try reader.requiredString(params["model"], at: "\(pp).model", parent: paramsNode)

        let (prefix, upstreamModel) = split(model)
        let provider: Deployment.Provider
        if let known = Deployment.Provider(rawValue: prefix), known != .openai {
            provider = known
        } else if Deployment.Provider.openAICompatibleAliases.contains(prefix) {
            provider = .openai
        } else if LiteLLMProviders.unsupported.contains(prefix) {
            reader.warn("\(pp).model", "provider `\(prefix)` is not supported by Gatehouse; `\(modelName)` is not served by this deployment")
            return nil
        } else {
            let names = (Deployment.Provider.allCases.map(\.rawValue) + Deployment.Provider.openAICompatibleAliases.sorted())
            var message = "unsupported provider `\(prefix)` in `\(model)`"
            if let suggestion = Spelling.closest(to: prefix, among: names) { message += " (did you mean `\(suggestion)`?)" }
            throw reader.error("\(pp).model", params["model"], message)
        }

        var d = Deployment(id: "\(index)-\(modelName)", modelName: modelName, provider: provider, upstreamModel: upstreamModel)
        d.prefix = model.contains("/") ? prefix : nil
        d.apiBase = try reader.string(params["api_base"], at: "\(pp).api_base")
        d.apiKey = try reader.string(params["api_key"], at: "\(pp).api_key")
        d.apiVersion = try reader.string(params["api_version"], at: "\(pp).api_version")
        d.timeout = try reader.double(params["timeout"], at: "\(pp).timeout", minimum: 0.001)
        d.streamTimeout = try reader.double(params["stream_timeout"], at: "\(pp).stream_timeout", minimum: 0.001)
        d.numRetries =
            try reader.int(params["num_retries"], at: "\(pp).num_retries", range: 0...10)
            ?? reader.int(params["max_retries"], at: "\(pp).max_retries", range: 0...10)
        d.rpm = try reader.int(params["rpm"], at: "\(pp).rpm", range: 0...Int.max)
        d.tpm = try reader.int(params["tpm"], at: "\(pp).tpm", range: 0...Int.max)
        d.region = try reader.string(params["region_name"], at: "\(pp).region_name")
        d.inputCostPerToken = try reader.double(params["input_cost_per_token"], at: "\(pp).input_cost_per_token")
        d.outputCostPerToken = try reader.double(params["output_cost_per_token"], at: "\(pp).output_cost_per_token")
        d.outputCostPerImage = try reader.double(params["output_cost_per_image"], at: "\(pp).output_cost_per_image")
        d.inputCostPerSecond = try reader.double(params["input_cost_per_second"], at: "\(pp).input_cost_per_second")
        d.inputCostPerCharacter = try reader.double(params["input_cost_per_character"], at: "\(pp).input_cost_per_character")
        d.extraHeaders = try reader.stringMap(params["extra_headers"], at: "\(pp).extra_headers") ?? [:]
        d.mock.response = try reader.string(params["mock_response"], at: "\(pp).mock_response")
        d.mock.latencyMs = try reader.int(params["mock_latency_ms"], at: "\(pp).mock_latency_ms", range: 0...600_000) ?? 0
        d.mock.chunkDelayMs = try reader.int(params["mock_chunk_delay_ms"], at: "\(pp).mock_chunk_delay_ms", range: 0...600_000) ?? 0
        d.mock.streamChunks = try reader.int(params["mock_stream_chunks"], at: "\(pp).mock_stream_chunks", range: 1...10_000) ?? d.mock.streamChunks
        d.mock.promptTokens = try reader.int(params["mock_prompt_tokens"], at: "\(pp).mock_prompt_tokens", range: 0...10_000_000)
        d.mock.completionTokens = try reader.int(params["mock_completion_tokens"], at: "\(pp).mock_completion_tokens", range: 0...10_000_000)
        d.mock.reportsUsage = try reader.bool(params["mock_report_usage"], at: "\(pp).mock_report_usage") ?? true
        d.requestDefaults = try requestDefaults(params, at: pp, reader: reader)
        if d.mock.response != nil, provider != .mock {
            reader.warn("\(pp).mock_response", "only the mock provider answers with mock_response; ignored")
        }

        if let infoNode = entry["model_info"] {
            let ip = "\(p).model_info"
            let info = try modelInfo(infoNode, at: ip, reader: &reader)
            if let id = try reader.string(info["id"], at: "\(ip).id") { d.id = id }
            d.mode = try reader.string(info["mode"], at: "\(ip).mode")
            d.accessGroups = try reader.stringList(info["access_groups"], at: "\(ip).access_groups") ?? []
            d.baseModel = try reader.string(info["base_model"], at: "\(ip).base_model")
            // The rest is shown by the model info routes (`base_model` and `description` too).
            for (key, value) in info where !["id", "mode", "access_groups"].contains(key) { d.info[key] = try reader.json(value, at: "\(ip).\(key)") }
        }

        if d.apiBase == nil, provider != .mock {
            d.apiBase = defaultBases[prefix]
        }
        if provider != .mock {
            guard let base = d.apiBase else {
                throw reader.error("\(pp).api_base", paramsNode, "is required for `\(prefix)/` models")
            }
            guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
                throw reader.error("\(pp).api_base", params["api_base"], "must be an http:// or https:// URL")
            }
        }
        if provider == .azure, d.apiVersion == nil {
            throw reader.error("\(pp).api_version", paramsNode, "is required for `azure/` models")
        }
        return d
    }

    /// The request parameters set in `litellm_params`, checked as a client's would be.
    static func requestDefaults(_ params: [String: Node], at path: String, reader: ConfigReader) throws -> [String: JSONValue] {
        var defaults: [String: JSONValue] = [:]
        for name in RequestDefaults.names {
            guard let node = params[name] else { continue }
            defaults[name] = try reader.json(node, at: "\(path).\(name)")
        }
        if let (field, bound) = TokenEstimate.invalidField(in: .object(defaults)) {
            throw reader.error("\(path).\(field)", params[field], "must be a whole number from 1 to \(bound)")
        }
        return defaults
    }

    /// `model_info`'s keys: free-form in LiteLLM, so an unknown one is metadata, not an error; one
    /// spelt close to a key Gatehouse reads is named in a warning.
    static func modelInfo(_ node: Node, at path: String, reader: inout ConfigReader) throws -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw reader.error(path, node, "expected a mapping") }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw reader.error(path, keyNode, "keys must be strings") }
            if !Keys.modelInfo.contains(key), let suggestion = Spelling.closest(to: key, among: Keys.modelInfo) {
                reader.warn("\(path).\(key)", "kept as metadata; did you mean `\(suggestion)`?")
            }
            result[key] = value
        }
        return result
    }

    /// `openai/gpt-4o` → ("openai", "gpt-4o"); a bare name is an OpenAI model, as in LiteLLM.
    static func split(_ model: String) -> (String, String) {
        guard let slash = model.firstIndex(of: "/") else { return ("openai", model) }
        return (String(model[..<slash]), String(model[model.index(after: slash)...]))
    }
}
