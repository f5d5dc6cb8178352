/// The whole configuration: parsed and validated at start-up (and again at each reload), then read-only.
public struct GatehouseConfig: Sendable {
    public var server: ServerSettings
    public var masterKey: String?
    /// `general_settings.database_url`: a PostgreSQL URL shared by several instances. Without it,
    /// the store is an SQLite file in the data folder.
    public var databaseURL: String?
    public var models: [Deployment]
    public var router: RouterSettings
    /// Identity providers whose JWTs are accepted as credentials.
    public var jwtIssuers: [JWTIssuerSettings] = []
    /// Authorization servers whose opaque tokens are checked by introspection.
    public var introspection: [IntrospectionSettings] = []
    /// OpenID Connect providers people sign in with.
    public var sso: [SSOProviderSettings] = []

    public init(server: ServerSettings = .init(), masterKey: String? = nil, models: [Deployment] = [], router: RouterSettings = .init()) {
        self.server = server
        self.masterKey = masterKey
        self.models = models
        self.router = router
    }

    /// The embedded default: one mock model so that a fresh install answers offline.
    public static var embeddedDefault: GatehouseConfig {
        GatehouseConfig(models: [Deployment.mock(modelName: "mock-gpt")])
    }
}

/// `router_settings` (and the LiteLLM `litellm_settings` keys that mean the same).
public struct RouterSettings: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable {
        case simpleShuffle = "simple-shuffle"
        case roundRobin = "round-robin"
        case leastBusy = "least-busy"
    }

    public var strategy: Strategy = .simpleShuffle
    /// Extra attempts after the first one, across deployments and fallbacks.
    public var numRetries = 2
    /// Base backoff between attempts, doubled each time (seconds).
    public var retryBackoff = 0.1
    /// Failures within a minute before a deployment is cooled down.
    public var allowedFails = 3
    public var cooldownSeconds = 5.0
    /// model name → models to try, in order, when every deployment of it failed.
    public var fallbacks: [String: [String]] = [:]
    /// `model_group_alias`: names a client may ask for in place of a model.
    public var aliases: [String: Alias] = [:]

    public struct Alias: Sendable, Equatable {
        public var model: String
        /// Left out of `/v1/models` (still served).
        public var hidden: Bool

        public init(model: String, hidden: Bool) {
            self.model = model
            self.hidden = hidden
        }
    }

    public init() {}

    /// Whether a name is served: a model's name, or matched by a pattern.
    func serves(_ model: String, names: Set<String>, patterns: [ModelPattern]) -> Bool {
        names.contains(model) || patterns.contains { $0.matches(model) }
    }
}

/// One `model_list` entry: a public model name served by one upstream deployment.
public struct Deployment: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        case openai, azure, anthropic, mock
        /// LiteLLM provider prefixes that speak the OpenAI wire format.
        static let openAICompatibleAliases: Set<String> = [
            "openai", "hosted_vllm", "vllm", "ollama_chat", "groq", "together_ai", "deepseek", "mistral",
            "fireworks_ai", "openrouter", "perplexity", "xai", "lm_studio", "custom_openai", "text-completion-openai",
            "openai_like", "llamafile", "xinference", "litellm_proxy",
        ]
    }

    /// Stable id (`model_info.id`, or derived from the position in the list).
    public var id: String
    public var modelName: String
    public var provider: Provider
    /// The upstream's model name (the part after `provider/`).
    public var upstreamModel: String
    /// `litellm_params.model` as configured (`groq/llama-3`), shown by the model info routes.
    public var configuredModel: String { prefix.map { "\($0)/\(upstreamModel)" } ?? upstreamModel }
    /// The LiteLLM provider prefix (`groq`), or nil for a bare OpenAI model name.
    public var prefix: String?
    public var apiBase: String?
    public var apiKey: String?
    public var apiVersion: String?
    public var timeout: Double?
    public var streamTimeout: Double?
    /// Extra attempts for a request to this deployment's model (`num_retries`, or `max_retries`),
    /// in place of `router_settings.num_retries`.
    public var numRetries: Int?
    public var rpm: Int?
    public var tpm: Int?
    /// `region_name` (`eu`, `us`): end users with an `allowed_model_region` are served only by
    /// deployments in their region.
    public var region: String?
    public var inputCostPerToken: Double?
    public var outputCostPerToken: Double?
    /// `output_cost_per_image`: an image deployment's price per image generated.
    public var outputCostPerImage: Double?
    /// `input_cost_per_second`: a transcription deployment's price per second of audio.
    public var inputCostPerSecond: Double?
    /// `input_cost_per_character`: a speech deployment's price per input character.
    public var inputCostPerCharacter: Double?
    public var extraHeaders: [String: String] = [:]
    public var accessGroups: [String] = []
    public var mode: String?
    /// `model_info.base_model`: the model the upstream really serves (an Azure deployment's name
    /// says nothing), which prices it when it sets no price of its own.
    public var baseModel: String?
    /// Request parameters from `litellm_params` (`temperature`, `reasoning_effort`…), sent to this
    /// deployment when the client's request does not set them.
    public var requestDefaults: [String: JSONValue] = [:]
    /// The rest of `model_info`: the operator's metadata, shown by the model info routes.
    public var info: [String: JSONValue] = [:]
    public var mock: MockSettings = .init()

    /// Whether the deployment calls OpenAI's or Anthropic's own API (not a compatible server).
    public var isOnProvidersOwnAPI: Bool {
        (provider == .openai || provider == .anthropic) && apiBase == DeploymentParser.defaultBases[provider.rawValue]
    }

    /// Whether `modelName` is a pattern (`*`, `openai/*`, `bedrock/anthropic.*`) rather than a name.
    public var isWildcard: Bool { modelName.contains("*") }

    public init(id: String, modelName: String, provider: Provider, upstreamModel: String) {
        self.id = id
        self.modelName = modelName
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.prefix = provider.rawValue
    }

    public static func mock(modelName: String, latencyMs: Int = 0) -> Deployment {
        var deployment = Deployment(id: "mock-\(modelName)", modelName: modelName, provider: .mock, upstreamModel: modelName)
        deployment.mock.latencyMs = latencyMs
        return deployment
    }
}

/// Behaviour of the built-in `mock/…` provider.
public struct MockSettings: Sendable, Equatable {
    /// Fixed reply; by default the mock echoes the last user message.
    public var response: String?
    public var latencyMs = 0
    /// Delay between streamed chunks.
    public var chunkDelayMs = 0
    /// Number of content chunks a streamed reply is split into.
    public var streamChunks = 4
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Whether answers report their usage (off: an upstream that never says what it used).
    public var reportsUsage = true
    public var embeddingDimensions = 8

    public init() {}
}
