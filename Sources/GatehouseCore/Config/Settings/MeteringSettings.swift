import Foundation

/// Limits, budgets and spend: their calendar, estimates, flushes and what happens when the shared
/// store cannot be reached.
public struct MeteringSettings: Sendable, Equatable {
    public enum RateLimitStorePolicy: String, Sendable, CaseIterable {
        case local, closed
    }

    public enum UnpricedModelPolicy: String, Sendable, CaseIterable {
        case free, refuse
    }

    /// Where days, budget periods and per-day limits begin (an IANA name).
    public var timeZone = "UTC"
    /// The completion tokens reserved for a request that sets no `max_tokens`.
    public var defaultMaxTokens = 4096
    /// Where alerts (a soft budget crossed) are posted as JSON.
    public var alertWebhookURL: String?
    /// How often spend records are written to the store.
    public var spendFlushIntervalSeconds = 0.5
    /// Spend records (and shared settlements) waiting to be written past which new model
    /// requests are refused with 503 until the queue drains: money is never dropped.
    public var spendQueueLimit = 100_000
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
    /// How budgets admit requests, where a level does not say (`budget_admission` on a key,
    /// user, team or organization).
    public var budgetAdmission: BudgetAdmission = .reserve

    public init() {}
}

extension MeteringSettings {
    static var section: SettingsSection {
        SettingsSection(
            title: "Metering", summary: "Limits, budgets and spend ([limits.md](limits.md)).",
            keys: [
                .text(
                    "time_zone", \.metering.timeZone,
                    meaning: "IANA time zone whose calendar budget periods and per-day limits follow ([limits.md](limits.md)).",
                    example: "Europe/Berlin",
                    check: { TimeZone(identifier: $0) == nil ? "must be an IANA time zone such as UTC or Europe/Berlin" : nil }),
                .int(
                    "default_max_tokens", \.metering.defaultMaxTokens, in: 1...10_000_000,
                    meaning: "Completion tokens assumed (reserved, and priced into a budget's worst case) for a request that sets no "
                        + "`max_tokens`.",
                    example: "1024"),
                .value(
                    "alert_webhook_url", \.metering.alertWebhookURL,
                    meaning: "Receives a JSON alert when a level's spend first reaches its `soft_budget` in a period.", default: "none",
                    example: "https://hooks.example.com/gatehouse"
                ) { node, path, reader in
                    try JWTIssuerParser.url(node, at: path, reader: reader)
                },
                .number(
                    "spend_flush_interval_seconds", \.metering.spendFlushIntervalSeconds, minimum: 0.01,
                    meaning: "How often queued spend rows are written (in one transaction with their totals). Everything queued is "
                        + "also written at shutdown.",
                    example: "2"),
                .int(
                    "spend_queue_limit", \.metering.spendQueueLimit, in: 1...10_000_000,
                    meaning: "Spend rows (and shared-budget settlements) waiting to be written past which new model requests are "
                        + "refused with 503 (`spend_queue_full`, `Retry-After: 1`) until the queue drains: when the store is down or "
                        + "slow, Gatehouse stops serving what it could not bill rather than drop spend or grow without bound. Requests "
                        + "already admitted still record theirs ([limits.md](limits.md#when-spend-cannot-be-written)).",
                    example: "20000"),
                .number(
                    "store_timeout_seconds", \.metering.storeTimeoutSeconds, minimum: 0.01,
                    meaning: "On PostgreSQL: how long a budgeted request waits for its reservation before it is refused with 503 "
                        + "(budgets fail closed).",
                    example: "2"),
                .number(
                    "rate_limit_sync_seconds", \.metering.rateLimitSyncSeconds, minimum: 0.05,
                    meaning: "On PostgreSQL: how often instances exchange their rate-limit counts (the tolerance of shared rate limits "
                        + "is what the others admit in two intervals) and their lockout blocks ([lockout.md](lockout.md)).",
                    example: "0.25"),
                .choice(
                    "rate_limit_store_policy", \.metering.rateLimitStorePolicy,
                    meaning: "Rate limits while those counts cannot be exchanged: `local` (each instance keeps counting on its own) or "
                        + "`closed` (limited requests get 503).",
                    example: "closed"),
                .choice(
                    "unpriced_models", \.metering.unpricedModels,
                    meaning: "A model with no price (neither `input_cost_per_token` / `output_cost_per_token` nor a built-in one) "
                        + "costs nothing under every budget. `free` serves it anyway, with a warning for each such model at start-up "
                        + "and in `gatehouse config check`; `refuse` answers 400 (`unpriced_model`) to a caller with a budget anywhere "
                        + "in its chain.",
                    example: "refuse"),
                .choice(
                    "budget_admission", \.metering.budgetAdmission,
                    meaning: "How a budget admits a request before its cost is known, where the key, user, team or organization does "
                        + "not set its own `budget_admission`: `reserve` holds the request's worst case and admits it only if that "
                        + "fits (never overspends; a budget smaller than one worst case admits nothing); `spend` is LiteLLM's rule, "
                        + "admitting while spend is below the budget (requests in flight may overshoot it, by at most what they cost "
                        + "together); `fit` reserves, and when the worst case does not fit lowers the request's `max_tokens` so that it "
                        + "does, if at least 16 tokens fit, saying so in `x-gatehouse-max-tokens` ([limits.md](limits.md#budget-admission)).",
                    example: "fit"),
                .value(
                    "end_user_limits", \.metering.endUserLimits,
                    meaning: "Limits of each end user (the request's `user` field), counted per credential: `rpm_limit`, `tpm_limit`, "
                        + "`rpd_limit`, `tpd_limit`, `max_parallel_requests`, `max_budget`, `soft_budget`, `budget_duration`.",
                    default: "none", example: "{rpm_limit: 20, max_budget: 5, budget_duration: 1mo}"
                ) { node, path, reader in
                    try node.map { try ConfigLoader.readLimits($0, at: path, reader: &reader) }
                },
            ])
    }
}
