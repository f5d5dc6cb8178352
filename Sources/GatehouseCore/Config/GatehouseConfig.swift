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
/// One model deployment of the configuration. A request copies its deployment several times over
/// (into the routing plan, the result, the billing), so its settings are held in one shared box
/// (`SharedFields`): a copy is one reference counted. Each setting reads and writes as a member
/// (`deployment.apiBase`).
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

    private var shared: SharedFields<Fields>

    struct Fields: Sendable, Equatable {
        var id: String
        var modelName: String
        var provider: Provider
        var upstreamModel: String
        var prefix: String?
        var apiBase: String?
        var apiKey: String?
        var apiVersion: String?
        var timeout: Double?
        var streamTimeout: Double?
        var numRetries: Int?
        var rpm: Int?
        var tpm: Int?
        var region: String?
        var inputCostPerToken: Double?
        var outputCostPerToken: Double?
        var outputCostPerImage: Double?
        var inputCostPerSecond: Double?
        var inputCostPerCharacter: Double?
        var extraHeaders: [String: String] = [:]
        var accessGroups: [String] = []
        var mode: String?
        var baseModel: String?
        var requestDefaults: [String: JSONValue] = [:]
        var info: [String: JSONValue] = [:]
        var mock: MockSettings = .init()
    }

    /// Stable id (`model_info.id`, or derived from the position in the list).
    public var id: String {
        get { shared.fields.id }
        _modify { yield &SharedFields.unique(&shared).fields.id }
    }
    public var modelName: String {
        get { shared.fields.modelName }
        _modify { yield &SharedFields.unique(&shared).fields.modelName }
    }
    public var provider: Provider {
        get { shared.fields.provider }
        _modify { yield &SharedFields.unique(&shared).fields.provider }
    }
    /// The upstream's model name (the part after `provider/`).
    public var upstreamModel: String {
        get { shared.fields.upstreamModel }
        _modify { yield &SharedFields.unique(&shared).fields.upstreamModel }
    }
    /// The LiteLLM provider prefix (`groq`), or nil for a bare OpenAI model name.
    public var prefix: String? {
        get { shared.fields.prefix }
        _modify { yield &SharedFields.unique(&shared).fields.prefix }
    }
    public var apiBase: String? {
        get { shared.fields.apiBase }
        _modify { yield &SharedFields.unique(&shared).fields.apiBase }
    }
    public var apiKey: String? {
        get { shared.fields.apiKey }
        _modify { yield &SharedFields.unique(&shared).fields.apiKey }
    }
    public var apiVersion: String? {
        get { shared.fields.apiVersion }
        _modify { yield &SharedFields.unique(&shared).fields.apiVersion }
    }
    public var timeout: Double? {
        get { shared.fields.timeout }
        _modify { yield &SharedFields.unique(&shared).fields.timeout }
    }
    public var streamTimeout: Double? {
        get { shared.fields.streamTimeout }
        _modify { yield &SharedFields.unique(&shared).fields.streamTimeout }
    }
    /// Extra attempts for a request to this deployment's model (`num_retries`, or `max_retries`),
    /// in place of `router_settings.num_retries`.
    public var numRetries: Int? {
        get { shared.fields.numRetries }
        _modify { yield &SharedFields.unique(&shared).fields.numRetries }
    }
    public var rpm: Int? {
        get { shared.fields.rpm }
        _modify { yield &SharedFields.unique(&shared).fields.rpm }
    }
    public var tpm: Int? {
        get { shared.fields.tpm }
        _modify { yield &SharedFields.unique(&shared).fields.tpm }
    }
    /// `region_name` (`eu`, `us`): end users with an `allowed_model_region` are served only by
    /// deployments in their region.
    public var region: String? {
        get { shared.fields.region }
        _modify { yield &SharedFields.unique(&shared).fields.region }
    }
    public var inputCostPerToken: Double? {
        get { shared.fields.inputCostPerToken }
        _modify { yield &SharedFields.unique(&shared).fields.inputCostPerToken }
    }
    public var outputCostPerToken: Double? {
        get { shared.fields.outputCostPerToken }
        _modify { yield &SharedFields.unique(&shared).fields.outputCostPerToken }
    }
    /// `output_cost_per_image`: an image deployment's price per image generated.
    public var outputCostPerImage: Double? {
        get { shared.fields.outputCostPerImage }
        _modify { yield &SharedFields.unique(&shared).fields.outputCostPerImage }
    }
    /// `input_cost_per_second`: a transcription deployment's price per second of audio.
    public var inputCostPerSecond: Double? {
        get { shared.fields.inputCostPerSecond }
        _modify { yield &SharedFields.unique(&shared).fields.inputCostPerSecond }
    }
    /// `input_cost_per_character`: a speech deployment's price per input character.
    public var inputCostPerCharacter: Double? {
        get { shared.fields.inputCostPerCharacter }
        _modify { yield &SharedFields.unique(&shared).fields.inputCostPerCharacter }
    }
    public var extraHeaders: [String: String] {
        get { shared.fields.extraHeaders }
        _modify { yield &SharedFields.unique(&shared).fields.extraHeaders }
    }
    public var accessGroups: [String] {
        get { shared.fields.accessGroups }
        _modify { yield &SharedFields.unique(&shared).fields.accessGroups }
    }
    public var mode: String? {
        get { shared.fields.mode }
        _modify { yield &SharedFields.unique(&shared).fields.mode }
    }
    /// `model_info.base_model`: the model the upstream really serves (an Azure deployment's name
    /// says nothing), which prices it when it sets no price of its own.
    public var baseModel: String? {
        get { shared.fields.baseModel }
        _modify { yield &SharedFields.unique(&shared).fields.baseModel }
    }
    /// Request parameters from `litellm_params` (`temperature`, `reasoning_effort`…), sent to this
    /// deployment when the client's request does not set them.
    public var requestDefaults: [String: JSONValue] {
        get { shared.fields.requestDefaults }
        _modify { yield &SharedFields.unique(&shared).fields.requestDefaults }
    }
    /// The rest of `model_info`: the operator's metadata, shown by the model info routes.
    public var info: [String: JSONValue] {
        get { shared.fields.info }
        _modify { yield &SharedFields.unique(&shared).fields.info }
    }
    public var mock: MockSettings {
        get { shared.fields.mock }
        _modify { yield &SharedFields.unique(&shared).fields.mock }
    }

    /// `litellm_params.model` as configured (`groq/llama-3`), shown by the model info routes.
    public var configuredModel: String { prefix.map { "\($0)/\(upstreamModel)" } ?? upstreamModel }

    /// Whether the deployment calls OpenAI's or Anthropic's own API (not a compatible server).
    public var isOnProvidersOwnAPI: Bool {
        (provider == .openai || provider == .anthropic) && apiBase == DeploymentParser.defaultBases[provider.rawValue]
    }

    /// Whether `modelName` is a pattern (`*`, `openai/*`, `bedrock/anthropic.*`) rather than a name.
    public var isWildcard: Bool { modelName.contains("*") }

    public init(id: String, modelName: String, provider: Provider, upstreamModel: String) {
        shared = SharedFields(Fields(id: id, modelName: modelName, provider: provider, upstreamModel: upstreamModel, prefix: provider.rawValue))
    }

    public static func == (left: Deployment, right: Deployment) -> Bool {
        left.shared === right.shared || left.shared.fields == right.shared.fields
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
