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
    private let models: Mutex<Set<String>>
    let keyAliases: Set<String>
    /// Off (`metrics: false`): nothing is counted at all.
    let enabled: Bool
    /// Lookups of the token caches, read when `/metrics` is scraped.
    private let caches = Mutex<[(name: String, lookups: @Sendable () -> (hits: Int, misses: Int))]>([])

    init(models: Set<String>, keyAliases: Set<String>, enabled: Bool = true) {
        self.enabled = enabled
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
        self.models = Mutex(models)
        self.keyAliases = keyAliases
    }

    /// Reports a token cache's hits and misses with every scrape.
    func watch(cache name: String, lookups: @escaping @Sendable () -> (hits: Int, misses: Int)) {
        caches.withLock { $0.append((name, lookups)) }
    }

    func model(_ name: String) -> String { models.withLock { $0.contains(name) } ? name : "other" }

    /// The model names that get their own label (a reloaded configuration's).
    func label(models names: Set<String>) { models.withLock { $0 = names } }

    /// Every HTTP request: by the route it reached and its status.
    func request(route: String?, status: Int, duration: Duration) {
        guard enabled else { return }
        let route = route ?? "unmatched"
        counter("gatehouse_http_requests_total", ("route", route), ("status", String(status))).increment()
        timer("gatehouse_http_request_duration_seconds", ("route", route)).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A model request ended: its status, tokens, cost; by alias when the key is listed.
    func modelRequest(model: String, status: Int, promptTokens: Int, completionTokens: Int, cost: USD, keyAlias: String?) {
        guard enabled else { return }
        let model = self.model(model)
        counter("gatehouse_model_requests_total", ("model", model), ("status", String(status))).increment()
        if promptTokens > 0 { counter("gatehouse_tokens_total", ("model", model), ("type", "prompt")).increment(by: promptTokens) }
        if completionTokens > 0 { counter("gatehouse_tokens_total", ("model", model), ("type", "completion")).increment(by: completionTokens) }
        if cost.units > 0 { costCounter(model).increment(by: cost.dollars) }
        if let keyAlias, keyAliases.contains(keyAlias) {
            counter("gatehouse_key_requests_total", ("key_alias", keyAlias), ("status", String(status))).increment()
        }
    }

    /// Time to the upstream's answer (its head, for a stream) and Gatehouse's own time before it.
    func upstream(model: String, upstream: Duration, overhead: Duration) {
        guard enabled else { return }
        timer("gatehouse_upstream_duration_seconds", ("model", self.model(model))).recordNanoseconds(Self.nanoseconds(upstream))
        timer("gatehouse_overhead_seconds").recordNanoseconds(Self.nanoseconds(max(.zero, overhead)))
    }

    func authentication(method: String, outcome: String, reason: String) {
        guard enabled else { return }
        counter("gatehouse_auth_attempts_total", ("method", method), ("outcome", outcome), ("reason", reason)).increment()
    }

    /// A request refused by a limit: `rate`, `budget`, `concurrency`; at which level.
    func rejection(kind: String, level: String) {
        guard enabled else { return }
        counter("gatehouse_limit_rejections_total", ("kind", kind), ("level", level)).increment()
    }

    func lockout(method: String) {
        guard enabled else { return }
        counter("gatehouse_lockouts_total", ("method", method)).increment()
    }

    /// A call to an identity provider: `jwks` (key sets, discovery) or `introspection`.
    func identityProvider(_ kind: String, ok: Bool) {
        guard enabled else { return }
        counter("gatehouse_identity_provider_requests_total", ("kind", kind), ("outcome", ok ? "success" : "failure")).increment()
    }

    /// One series: a metric's name and up to three label values (the names come with the metric).
    private struct Series: Hashable {
        var name: String
        var values: (String, String, String)

        static func == (a: Series, b: Series) -> Bool { a.name == b.name && a.values == b.values }

        func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            hasher.combine(values.0)
            hasher.combine(values.1)
            hasher.combine(values.2)
        }
    }

    /// The request path's handles, made once per series: swift-metrics' constructors go through
    /// the registry (a lock, a search by labels, an allocation) every time.
    private let counters = Mutex<[Series: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[Series: CoreMetrics.Timer]>([:])
    private let costs = Mutex<[String: FloatingPointCounter]>([:])

    private func counter(_ name: String, _ a: (String, String), _ b: (String, String)? = nil, _ c: (String, String)? = nil) -> CoreMetrics.Counter {
        let series = Series(name: name, values: (a.1, b?.1 ?? "", c?.1 ?? ""))
        return counters.withLock { counters in
            if let counter = counters[series] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: [a, b, c].compactMap { $0 }, factory: factory)
            counters[series] = counter
            return counter
        }
    }

    private func timer(_ name: String, _ a: (String, String)? = nil) -> CoreMetrics.Timer {
        let series = Series(name: name, values: (a?.1 ?? "", "", ""))
        return timers.withLock { timers in
            if let timer = timers[series] { return timer }
            let timer = CoreMetrics.Timer(label: name, dimensions: [a].compactMap { $0 }, factory: factory)
            timers[series] = timer
            return timer
        }
    }

    private func costCounter(_ model: String) -> FloatingPointCounter {
        costs.withLock { costs in
            if let counter = costs[model] { return counter }
            let counter = FloatingPointCounter(label: "gatehouse_cost_usd_total", dimensions: [("model", model)], factory: factory)
            costs[model] = counter
            return counter
        }
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
