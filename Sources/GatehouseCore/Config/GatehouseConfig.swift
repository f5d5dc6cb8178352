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

/// `gatehouse_settings`: the listener, limits and timeouts.
public struct ServerSettings: Sendable, Equatable {

    public var host = "127.0.0.1"
    public var port = 4000
    public var dataDirectory = "gatehouse-data"
    public var maxRequestBodyBytes = 8 * 1024 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    /// How long SIGTERM waits for in-flight requests and streams before exiting.
    public var shutdownGraceSeconds = 30.0
    public var connectTimeout = 5.0
    /// Time to the upstream's response head; past it the attempt is retried elsewhere.
    public var firstByteTimeout = 60.0
    /// Longest silence between two chunks of an upstream body.
    public var streamIdleTimeout = 60.0
    /// Whole request, retries included.
    public var requestTimeout = 600.0
    /// Time a client has to send its whole request body (seconds).
    public var clientBodyTimeout = 30.0
    /// Connection idle timeout for clients (seconds).
    public var clientIdleTimeout = 75.0
    public var logLevel = "info"
    /// `text` (swift-log's lines) or `json` (one object per line), on stderr.
    public var logFormat: LogFormat = .text
    /// Where the log goes: `stderr`, `stdout` or a file.
    public var logDestination = "stderr"
    /// Where each request's JSON access line goes: `stdout`, `stderr` or a file; nil: nowhere.
    public var accessLog: String?

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }
    /// Whether model routes accept an API key in the URL (`?key=`, as Gemini clients send it).
    /// Off by default: URLs end up in proxy logs and browser histories.
    public var allowKeyInQuery = false
    /// Gatehouse's own authorization server (`/oauth/token`).
    public var oauth = OAuthServerSettings()
    /// HTTPS and client certificates on the listener; nil: plain HTTP.
    public var tls: TLSSettings?
    /// A second listener serving the management API (and nothing else) with its own address and
    /// TLS policy; nil: the management API is served on the main listener.
    public var managementListener: ListenerSettings?
    /// How a verified client certificate (from the TLS handshake or a trusted proxy's header)
    /// becomes an identity to bind.
    public var clientCertificateIdentity: ClientCertificate.IdentityKind = .fingerprint
    /// Proxies whose headers are believed (a client certificate they verified); from anyone
    /// else such headers are ignored.
    public var trustedProxies: [IPNetwork] = []
    /// The header those proxies write the client's address in; the other is never read.
    public var forwardedHeader: ForwardedFor.Header = .xForwardedFor
    /// Addresses any request must come from (empty: any); behind `trustedProxies`, the client's.
    public var allowedIPs: [IPNetwork] = []
    /// Addresses management requests (and `/metrics`) must come from besides (empty: any).
    public var managementAllowedIPs: [IPNetwork] = []
    /// Routes (paths, `prefix/*`, or groups such as `management_routes`) and what they ask of a
    /// client certificate; the first matching entry applies, other routes take any credential.
    public var certificateRoutes: [CertificateRoute] = []

    public struct CertificateRoute: Sendable, Equatable {
        public var route: String
        public var policy: CertificatePolicy

        public init(route: String, policy: CertificatePolicy) {
            self.route = route
            self.policy = policy
        }
    }

    public enum CertificatePolicy: String, Sendable, CaseIterable {
        /// A certificate or any other credential (the default).
        case any
        /// Only a client certificate authenticates.
        case certificate
        /// A client certificate and another credential, which authenticates.
        case certificateAndKey = "certificate_and_key"
    }

    /// The header a trusted proxy puts the client certificate in (Envoy's format).
    public var clientCertificateHeader = "x-forwarded-client-cert"
    /// How often the TLS files are checked for changes (they are also reloaded on SIGHUP).
    public var tlsReloadCheckSeconds = 5.0
    /// Extra CA certificates (PEM) trusted for upstream TLS, besides the system's.
    public var upstreamCAFile: String?
    /// The HTTP client used for upstream calls.
    public var upstreamClient: UpstreamClient = .nio
    /// Where days, budget periods and per-day limits begin (an IANA name).
    public var timeZone = "UTC"
    /// The completion tokens reserved for a request that sets no `max_tokens`.
    public var defaultMaxTokens = 4096
    /// Where alerts (a soft budget crossed) are posted as JSON.
    public var alertWebhookURL: String?
    /// How often spend records are written to the store.
    public var spendFlushIntervalSeconds = 0.5
    /// How long a request waits for the shared store (budgets on PostgreSQL) before it is refused
    /// with 503.
    public var storeTimeoutSeconds = 5.0
    /// Limits of each end user (the request's `user` field), counted per credential: a client
    /// cannot spend another credential's end users' allowance by naming them.
    public var endUserLimits = Limits()
    /// How often instances on one PostgreSQL exchange their rate-limit counts.
    public var rateLimitSyncSeconds = 1.0
    /// Rate limits while the shared store cannot be reached: `local` (each instance counts on its
    /// own) or `closed` (requests with a rate limit are refused with 503).
    public var rateLimitStorePolicy: RateLimitStorePolicy = .local
    /// A model without a price costs nothing under every budget: `free` serves it anyway (with a
    /// warning at start-up), `refuse` refuses it to callers with a budget anywhere in their chain.
    public var unpricedModels: UnpricedModelPolicy = .free
    /// Where audit records are copied as JSON lines besides the store: `stdout`, a file path, an
    /// http(s) URL.
    public var auditStreams: [String] = []
    /// How often audit records are written to the store (and the streams).
    public var auditFlushIntervalSeconds = 0.5
    /// Lockout after repeated failed authentications: per credential at one address (an OAuth
    /// client's secret, a known key), per address (any credential), within a window; blocks grow
    /// from `lockoutSeconds` (doubling) to `lockoutMaxSeconds`.
    public var lockoutFailures = 5
    public var lockoutAddressFailures = 20
    public var lockoutWindowSeconds = 300.0
    public var lockoutSeconds = 60.0
    public var lockoutMaxSeconds = 3600.0
    /// Whether metrics are counted and `/metrics` served (beside the management API, held to its
    /// address list).
    public var metricsEnabled = true
    /// Whether `/metrics` is served without a credential even when no address list holds it.
    public var metricsPublic = false
    /// Key aliases whose requests get a `key_alias` label (no other key appears in metrics).
    public var metricsKeyAliases: [String] = []
    /// Session login (`/login`): a session ends `sessionLifetimeSeconds` after it began, or after
    /// `sessionIdleSeconds` without a request, whichever comes first.
    public var sessionLifetimeSeconds = 28_800.0
    public var sessionIdleSeconds = 1_800.0
    /// Whether the session cookie is `Secure` and `__Host-` prefixed; nil: when the listener
    /// serves HTTPS (set it true behind a proxy that terminates TLS).
    public var sessionCookieSecure: Bool?
    /// bcrypt's cost (log2 of its rounds) for passwords set from now on.
    public var passwordHashCost = 12

    public enum RateLimitStorePolicy: String, Sendable, CaseIterable {
        case local, closed
    }

    public enum UnpricedModelPolicy: String, Sendable, CaseIterable {
        case free, refuse
    }

    public enum UpstreamClient: String, Sendable, CaseIterable {
        /// Gatehouse's own client on SwiftNIO: connections pooled per event loop.
        case nio
        /// AsyncHTTPClient.
        case asyncHTTPClient = "async-http-client"
    }

    public init() {}
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

    public init() {}
}

/// One `model_list` entry: a public model name served by one upstream deployment.
public struct Deployment: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        case openai, azure, anthropic, mock
        /// LiteLLM provider prefixes that speak the OpenAI wire format.
        static let openAICompatibleAliases: Set<String> = [
            "openai", "hosted_vllm", "vllm", "ollama_chat", "groq", "together_ai", "deepseek", "mistral",
            "fireworks_ai", "openrouter", "perplexity", "xai", "lm_studio", "custom_openai", "text-completion-openai",
        ]
    }

    /// Stable id (`model_info.id`, or derived from the position in the list).
    public var id: String
    public var modelName: String
    public var provider: Provider
    /// The upstream's model name (the part after `provider/`).
    public var upstreamModel: String
    public var apiBase: String?
    public var apiKey: String?
    public var apiVersion: String?
    public var timeout: Double?
    public var streamTimeout: Double?
    public var maxRetries: Int?
    public var rpm: Int?
    public var tpm: Int?
    public var inputCostPerToken: Double?
    public var outputCostPerToken: Double?
    public var extraHeaders: [String: String] = [:]
    public var accessGroups: [String] = []
    public var mode: String?
    public var mock: MockSettings = .init()

    public init(id: String, modelName: String, provider: Provider, upstreamModel: String) {
        self.id = id
        self.modelName = modelName
        self.provider = provider
        self.upstreamModel = upstreamModel
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
