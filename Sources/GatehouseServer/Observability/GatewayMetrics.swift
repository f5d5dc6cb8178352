import CoreMetrics
import GatehouseCore
import Prometheus
import Synchronization

/// Gatehouse's metrics, through swift-metrics into a Prometheus registry of this application's
/// own (so several applications in one process — tests — do not share counters). Every label has
/// a bounded set of values: routes as registered, configured model names (anything else is
/// `other`), methods, outcomes and reason categories; a key appears only by an alias the operator
/// listed in `metrics_key_aliases`.
final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let models: Set<String>
    let keyAliases: Set<String>
    /// Lookups of the token caches, read when `/metrics` is scraped.
    private let caches = Mutex<[(name: String, lookups: @Sendable () -> (hits: Int, misses: Int))]>([])

    init(models: Set<String>, keyAliases: Set<String>) {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .milliseconds(500),
        ]
        factory.durationHistogramBuckets["gatehouse_overhead_seconds"] = fine
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
        self.models = models
        self.keyAliases = keyAliases
    }

    /// Reports a token cache's hits and misses with every scrape.
    func watch(cache name: String, lookups: @escaping @Sendable () -> (hits: Int, misses: Int)) {
        caches.withLock { $0.append((name, lookups)) }
    }

    func model(_ name: String) -> String { models.contains(name) ? name : "other" }

    /// Every HTTP request: by the route it reached and its status.
    func request(route: String?, status: Int, duration: Duration) {
        let route = route ?? "unmatched"
        Counter(label: "gatehouse_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory).increment()
        Timer(label: "gatehouse_http_request_duration_seconds", dimensions: [("route", route)], factory: factory).recordNanoseconds(
            Self.nanoseconds(duration))
    }

    /// A model request ended: its status, tokens, cost; by alias when the key is listed.
    func modelRequest(model: String, status: Int, promptTokens: Int, completionTokens: Int, cost: USD, keyAlias: String?) {
        let model = self.model(model)
        Counter(label: "gatehouse_model_requests_total", dimensions: [("model", model), ("status", String(status))], factory: factory).increment()
        if promptTokens > 0 {
            Counter(label: "gatehouse_tokens_total", dimensions: [("model", model), ("type", "prompt")], factory: factory).increment(by: promptTokens)
        }
        if completionTokens > 0 {
            Counter(label: "gatehouse_tokens_total", dimensions: [("model", model), ("type", "completion")], factory: factory)
                .increment(by: completionTokens)
        }
        if cost.units > 0 {
            FloatingPointCounter(label: "gatehouse_cost_usd_total", dimensions: [("model", model)], factory: factory).increment(by: cost.dollars)
        }
        if let keyAlias, keyAliases.contains(keyAlias) {
            Counter(label: "gatehouse_key_requests_total", dimensions: [("key_alias", keyAlias), ("status", String(status))], factory: factory)
                .increment()
        }
    }

    /// Time to the upstream's answer (its head, for a stream) and Gatehouse's own time around it.
    func upstream(model: String, upstream: Duration, overhead: Duration) {
        Timer(label: "gatehouse_upstream_duration_seconds", dimensions: [("model", self.model(model))], factory: factory).recordNanoseconds(
            Self.nanoseconds(upstream))
        Timer(label: "gatehouse_overhead_seconds", factory: factory).recordNanoseconds(Self.nanoseconds(max(.zero, overhead)))
    }

    func authentication(method: String, outcome: String, reason: String) {
        Counter(
            label: "gatehouse_auth_attempts_total", dimensions: [("method", method), ("outcome", outcome), ("reason", reason)], factory: factory
        ).increment()
    }

    /// A request refused by a limit: `rate`, `budget`, `concurrency`; at which level.
    func rejection(kind: String, level: String) {
        Counter(label: "gatehouse_limit_rejections_total", dimensions: [("kind", kind), ("level", level)], factory: factory).increment()
    }

    func lockout(method: String) {
        Counter(label: "gatehouse_lockouts_total", dimensions: [("method", method)], factory: factory).increment()
    }

    /// A call to an identity provider: `jwks` (key sets, discovery) or `introspection`.
    func identityProvider(_ kind: String, ok: Bool) {
        Counter(
            label: "gatehouse_identity_provider_requests_total", dimensions: [("kind", kind), ("outcome", ok ? "success" : "failure")],
            factory: factory
        )
        .increment()
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        let caches = self.caches.withLock { $0 }
        if !caches.isEmpty {
            var text = "# TYPE gatehouse_auth_cache_lookups_total counter\n"
            for cache in caches {
                let (hits, misses) = cache.lookups()
                text += "gatehouse_auth_cache_lookups_total{cache=\"\(cache.name)\",result=\"hit\"} \(hits)\n"
                text += "gatehouse_auth_cache_lookups_total{cache=\"\(cache.name)\",result=\"miss\"} \(misses)\n"
            }
            buffer += Array(text.utf8)
        }
        return buffer
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// A failure's reason as one of a few categories (the message itself is for the client).
    static func reason(_ error: GatewayError) -> String {
        guard error.status == 401 else { return error.status == 403 ? "forbidden" : "unavailable" }
        let message = error.message.lowercased()
        for (word, reason) in [
            ("missing", "missing"), ("expired", "expired"), ("blocked", "blocked"), ("revoked", "revoked"), ("malformed", "malformed"),
            ("not active", "inactive"), ("certificate", "certificate"), ("two different", "ambiguous"), ("url", "key_in_url"),
        ] where message.contains(word) {
            return reason
        }
        return "invalid"
    }
}
