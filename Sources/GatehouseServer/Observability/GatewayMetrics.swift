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
    /// The model names that get their own label, and each labelled model's series.
    private let models: Mutex<ModelLabels>
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
        overhead = CoreMetrics.Timer(label: "gatehouse_overhead_seconds", dimensions: [], factory: factory)
        self.models = Mutex(ModelLabels(names: models))
        self.keyAliases = keyAliases
    }

    /// Reports a token cache's hits and misses with every scrape.
    func watch(cache name: String, lookups: @escaping @Sendable () -> (hits: Int, misses: Int)) {
        caches.withLock { $0.append((name, lookups)) }
    }

    /// The model names that get their own label (a reloaded configuration's). A name no longer
    /// listed is counted as `other` from now on.
    func label(models names: Set<String>) {
        models.withLock { labels in
            labels.names = names
            labels.series = labels.series.filter { names.contains($0.key) || $0.key == ModelLabels.other }
        }
    }

    /// Every HTTP request: by the route it reached and its status.
    func request(route: String?, status: Int, duration: Duration) {
        guard enabled else { return }
        let series = requestSeries(route: route ?? "unmatched", status: status)
        series.requests.increment()
        series.duration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A model request ended: its status, tokens, cost; by alias when the key is listed.
    func modelRequest(model: String, status: Int, promptTokens: Int, completionTokens: Int, cost: USD, keyAlias: String?) {
        guard enabled else { return }
        let series = modelSeries(model, status: status)
        let requests = status == 200 ? series.ok : nil
        (requests ?? counter("gatehouse_model_requests_total", ("model", series.model), ("status", String(status)))).increment()
        if promptTokens > 0 { series.promptTokens.increment(by: promptTokens) }
        if completionTokens > 0 { series.completionTokens.increment(by: completionTokens) }
        if cost.units > 0 { series.cost.increment(by: Double(cost.units) / Double(USD.unitsPerDollar)) }
        if let keyAlias, keyAliases.contains(keyAlias) {
            counter("gatehouse_key_requests_total", ("key_alias", keyAlias), ("status", String(status))).increment()
        }
    }

    /// Time to the upstream's answer (its head, for a stream) and Gatehouse's own time before it.
    func upstream(model: String, upstream: Duration, overhead elapsed: Duration) {
        guard enabled else { return }
        modelSeries(model).upstream.recordNanoseconds(Self.nanoseconds(upstream))
        overhead.recordNanoseconds(Self.nanoseconds(max(.zero, elapsed)))
    }

    /// A credential of `method` was accepted (`outcome="success"`, `reason="none"`).
    func authenticated(_ method: AuthMethod) {
        guard enabled else { return }
        success(method).increment()
    }

    /// A credential of `method` was refused, for `reason` (a category, never the message).
    func authenticationFailed(_ method: AuthMethod, reason: String) {
        guard enabled else { return }
        counter("gatehouse_auth_attempts_total", ("method", method.rawValue), ("outcome", "failure"), ("reason", reason)).increment()
    }

    /// A request refused by a limit: `rate`, `budget`, `concurrency`; at which level.
    func rejection(kind: String, level: String) {
        guard enabled else { return }
        counter("gatehouse_limit_rejections_total", ("kind", kind), ("level", level)).increment()
    }

    func lockout(method: AuthMethod) {
        guard enabled else { return }
        counter("gatehouse_lockouts_total", ("method", method.rawValue)).increment()
    }

    /// What the flows for people did: `token` (`device_code`, `authorization_code`,
    /// `refresh_token`: a grant's tokens issued), `reuse` (a used refresh token or code came back:
    /// the grant ended), `device` and `consent` (`approved`, `denied`).
    func personFlow(_ event: String, _ outcome: String) {
        guard enabled else { return }
        counter("gatehouse_oauth_person_events_total", ("event", event), ("outcome", outcome)).increment()
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
    /// What every request records, by route and status: one lookup.
    /// A class, as `ModelSeries`: a lookup then retains one object, not each of its metrics.
    private final class RequestSeries: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer

        init(requests: CoreMetrics.Counter, duration: CoreMetrics.Timer) {
            self.requests = requests
            self.duration = duration
        }
    }

    /// What every model request records of its model: one lookup (two a request), which retains
    /// this one object rather than each of its metrics.
    private final class ModelSeries: Sendable {
        let model: String
        let promptTokens: CoreMetrics.Counter
        let completionTokens: CoreMetrics.Counter
        let cost: FloatingPointCounter
        let upstream: CoreMetrics.Timer
        /// Its requests answered 200, made at the first (other statuses: `counter`).
        let ok: CoreMetrics.Counter?

        init(
            model: String, promptTokens: CoreMetrics.Counter, completionTokens: CoreMetrics.Counter, cost: FloatingPointCounter,
            upstream: CoreMetrics.Timer, ok: CoreMetrics.Counter? = nil
        ) {
            self.model = model
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cost = cost
            self.upstream = upstream
            self.ok = ok
        }

        /// The same series with its `ok` counter.
        func with(ok: CoreMetrics.Counter) -> ModelSeries {
            ModelSeries(model: model, promptTokens: promptTokens, completionTokens: completionTokens, cost: cost, upstream: upstream, ok: ok)
        }
    }

    /// Which models are labelled by name, and the series of each seen so far: a model request
    /// finds its series with one lookup under one lock. Only labelled names and `other` are keys,
    /// so a client's model names cannot grow it.
    private struct ModelLabels {
        static let other = "other"
        var names: Set<String>
        var series: [String: ModelSeries] = [:]
    }

    private struct RouteStatus: Hashable {
        let route: String
        let status: Int
    }

    private let requests = Mutex<[RouteStatus: RequestSeries]>([:])
    private let durations = Mutex<[String: CoreMetrics.Timer]>([:])
    private let overhead: CoreMetrics.Timer
    /// `gatehouse_auth_attempts_total` for each method's successes, found by the method rather
    /// than by its three labels' values (made at a method's first success).
    private let successes = Mutex<[AuthMethod: CoreMetrics.Counter]>([:])

    private func counter(_ name: String, _ a: (String, String), _ b: (String, String)? = nil, _ c: (String, String)? = nil) -> CoreMetrics.Counter {
        let series = Series(name: name, values: (a.1, b?.1 ?? "", c?.1 ?? ""))
        return counters.withLock { counters in
            if let counter = counters[series] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: [a, b, c].compactMap { $0 }, factory: factory)
            counters[series] = counter
            return counter
        }
    }

    private func requestSeries(route: String, status: Int) -> RequestSeries {
        let key = RouteStatus(route: route, status: status)
        return requests.withLock { requests in
            if let series = requests[key] { return series }
            // One duration histogram per route, whatever the status.
            let duration = durations.withLock { timers in
                if let timer = timers[route] { return timer }
                let timer = CoreMetrics.Timer(label: "gatehouse_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
                timers[route] = timer
                return timer
            }
            let series = RequestSeries(
                requests: CoreMetrics.Counter(
                    label: "gatehouse_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory),
                duration: duration)
            requests[key] = series
            return series
        }
    }

    /// The series `name` is counted under (its own when labelled, else `other`); with `status`
    /// 200, its `ok` counter made if it was not yet.
    private func modelSeries(_ name: String, status: Int? = nil) -> ModelSeries {
        models.withLock { labels in
            // A labelled model seen before (nearly every request): one lookup.
            if let series = labels.series[name], status != 200 || series.ok != nil { return series }
            let label = labels.names.contains(name) ? name : ModelLabels.other
            if let series = labels.series[label], status != 200 || series.ok != nil { return series }
            var series = labels.series[label] ?? makeModelSeries(label)
            if status == 200 {
                series = series.with(
                    ok: CoreMetrics.Counter(
                        label: "gatehouse_model_requests_total", dimensions: [("model", label), ("status", "200")], factory: factory))
            }
            labels.series[label] = series
            return series
        }
    }

    private func success(_ method: AuthMethod) -> CoreMetrics.Counter {
        successes.withLock { counters in
            if let counter = counters[method] { return counter }
            let counter = counter("gatehouse_auth_attempts_total", ("method", method.rawValue), ("outcome", "success"), ("reason", "none"))
            counters[method] = counter
            return counter
        }
    }

    private func makeModelSeries(_ model: String) -> ModelSeries {
        ModelSeries(
            model: model,
            promptTokens: CoreMetrics.Counter(label: "gatehouse_tokens_total", dimensions: [("model", model), ("type", "prompt")], factory: factory),
            completionTokens: CoreMetrics.Counter(
                label: "gatehouse_tokens_total", dimensions: [("model", model), ("type", "completion")], factory: factory),
            cost: FloatingPointCounter(label: "gatehouse_cost_usd_total", dimensions: [("model", model)], factory: factory),
            upstream: CoreMetrics.Timer(label: "gatehouse_upstream_duration_seconds", dimensions: [("model", model)], factory: factory))
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

    /// One series of `gatehouse_auth_attempts_total`, as counted on this instance since it started.
    struct Attempts: Equatable {
        var method: String
        var outcome: String
        var reason: String
        var count: Int
    }

    /// `gatehouse_auth_attempts_total` read back from the exposition: the numbers Prometheus
    /// scrapes, with nothing counted twice on the request path.
    func authenticationAttempts() -> [Attempts] {
        Self.attempts(in: String(decoding: registry.emitToBuffer(), as: UTF8.self))
    }

    static func attempts(in exposition: String) -> [Attempts] {
        let prefix = "gatehouse_auth_attempts_total{"
        var found: [Attempts] = []
        for line in exposition.split(separator: "\n") where line.hasPrefix(prefix) {
            guard let close = line.lastIndex(of: "}") else { continue }
            let inside = line[line.index(line.startIndex, offsetBy: prefix.count)..<close]
            var labels: [String: String] = [:]
            for pair in inside.split(separator: ",") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let value = pair[pair.index(after: equals)...].filter { $0 != "\"" }
                labels[String(pair[..<equals])] = String(value)
            }
            let number = line[line.index(after: close)...].split(separator: " ").first.map(String.init) ?? ""
            guard let method = labels["method"], let outcome = labels["outcome"], let reason = labels["reason"], let count = Double(number),
                count.isFinite, count >= 0, count < 1e18
            else { continue }
            found.append(Attempts(method: method, outcome: outcome, reason: reason, count: Int(count)))
        }
        return found
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
