import Foundation
public import GatehouseCore
public import GatehouseProviders
public import GatehouseStore
public import Logging
import Synchronization

/// Everything a model request is measured against before it is sent and billed with after it
/// ends: requests in flight, budgets (reserve-then-settle), request and token windows, and the
/// spend record. Admission takes all of them or none. Immutable, and a class: every metered
/// request keeps it, one reference rather than a copy of its twenty fields.
public final class Metering: Sendable {
    let limiter: RateLimiter
    let concurrency: ConcurrencyLimiter
    let ledger: BudgetLedger
    let writer: SpendWriter?
    /// The store work requests leave when they end (shared settlements), done by one service.
    let settlements: Settlements
    /// Spend records and settlements waiting, past which new requests are refused (503).
    let spendQueueLimit: Int
    /// Budgets held in the shared store (several instances on PostgreSQL); nil: in this process.
    let shared: SharedBudgets?
    /// How long a shared hold outlives its request if this instance dies holding it.
    let holdSeconds: Double
    /// How long a shared budget check may take before the request is refused (503).
    let storeTimeout: Double
    /// The exchange of rate-limit counts with other instances (PostgreSQL), and whether limited
    /// requests are refused while it is out of touch.
    let sync: RateUsageSync?
    let syncFailClosedAfter: Double?
    let logger: Logger
    let defaultMaxTokens: Int
    let endUserLimits: Limits
    let unpricedModels: MeteringSettings.UnpricedModelPolicy
    /// How budgets admit requests where a level does not say.
    let budgetAdmission: BudgetAdmission
    /// The models' prices, computed once (and again when the models are reloaded).
    public let prices: PriceTable
    let now: @Sendable () -> Date
    /// Told of refusals, billed requests and soft budgets crossed (metrics, alerts).
    public let observer: (any MeteringObserver)?

    /// - Parameters:
    ///   - holdSeconds: how long a shared hold outlives its request if this instance dies
    ///     holding it (past the longest a request may take).
    ///   - shared: budgets in the shared store (PostgreSQL); nil: in this process.
    ///   - sync: the exchange of rate-limit counts with other instances (PostgreSQL).
    public init(
        router: ModelRouter, settings: MeteringSettings, holdSeconds: Double, ledger: BudgetLedger, limiter: RateLimiter, writer: SpendWriter?,
        settlements: Settlements, shared: SharedBudgets?, sync: RateUsageSync?, logger: Logger, observer: (any MeteringObserver)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.observer = observer
        self.limiter = limiter
        self.concurrency = ConcurrencyLimiter()
        self.ledger = ledger
        self.writer = writer
        self.settlements = settlements
        spendQueueLimit = settings.spendQueueLimit
        self.shared = shared
        self.sync = sync
        self.logger = logger
        self.now = now
        self.holdSeconds = holdSeconds
        storeTimeout = settings.storeTimeoutSeconds
        syncFailClosedAfter = settings.rateLimitStorePolicy == .closed ? max(3 * settings.rateLimitSyncSeconds, settings.storeTimeoutSeconds) : nil
        defaultMaxTokens = settings.defaultMaxTokens
        endUserLimits = settings.endUserLimits
        unpricedModels = settings.unpricedModels
        budgetAdmission = settings.budgetAdmission
        prices = PriceTable(router: router)
    }

    /// Admits the request at every level of the caller's chain, or throws the refusal (429 for
    /// limits, LiteLLM's `budget_exceeded` for budgets) having taken nothing.
    /// - Parameters:
    ///   - endUser: the registered end user the request's `user` names: its limits are passed
    ///     and its spend charged like a level of the chain.
    ///   - note: the request's access log line, which the request writes when it ends.
    public func admit(
        _ forward: ForwardRequest, bodyBytes: Int, principal: Principal, endUser: LimitSubject? = nil, note: (any MeteringNote)? = nil
    ) async throws -> MeteredRequest {
        let started = now()
        try admitToSpendQueue()
        let estimate = TokenEstimate(body: forward.body, bodyBytes: bodyBytes, endpoint: forward.endpoint, defaultMaxTokens: defaultMaxTokens)
        var subjects = principal.limitSubjects
        for subject in subjects where subject.hasModelLimits {
            if let perModel = subject.perModel(forward.model) { subjects.append(perModel) }
        }
        var accounts = Self.accounts(of: principal)
        if let endUser {
            subjects.append(endUser)
            if endUser.hasModelLimits, let perModel = endUser.perModel(forward.model) { subjects.append(perModel) }
            accounts.append(endUser)
        }
        if !endUserLimits.isEmpty, let user = forward.body["user"]?.stringValue, !user.isEmpty {
            let endUser = LimitSubject(id: LimitLevel.endUser.subject(principal.id + "/" + user), level: .endUser, limits: endUserLimits)
            subjects.append(endUser)
            if endUser.maxBudget != nil { accounts.append(endUser) }
        }

        let slot: ConcurrencySlot?
        switch concurrency.acquire(subjects) {
        case .success(let held): slot = held
        case .failure(let refusal):
            observer?.refused(kind: "concurrency", level: refusal.level.rawValue)
            throw GatewayError(
                status: 429, message: "Too many requests in flight: \(refusal.limit) at once for this \(refusal.level).", type: "rate_limit_error",
                code: "rate_limit_exceeded", headers: [("Retry-After", "1")])
        }
        let budgeted = accounts.filter { $0.maxBudget != nil }
        if unpricedModels == .refuse, !budgeted.isEmpty, prices.isUnpriced(forward.model) {
            slot?.release()
            throw GatewayError.invalidRequest(
                "Model `\(forward.model)` has no price, and this credential has a budget: the operator refuses unpriced models to budgeted callers.",
                param: "model", code: "unpriced_model")
        }
        let admitted: BudgetAdmitted
        do {
            admitted = try await admitBudgets(budgeted, forward: forward, estimate: estimate, bodyBytes: bodyBytes, principal: principal, at: started)
        } catch {
            slot?.release()
            throw error
        }
        let decision: RateLimiter.Decision?
        do {
            decision = try admitWindows(subjects, estimate: admitted.estimate, at: started)
        } catch {
            slot?.release()
            _ = ledger.settle(admitted.hold, cost: .zero, subjects: [], at: started)
            if let sharedHold = admitted.sharedHold, let shared { settlements.submit { try? await shared.release(sharedHold) } }
            throw error
        }
        return MeteredRequest(
            metering: self, forward: admitted.forward, principal: principal, accounts: accounts, estimate: admitted.estimate, started: started,
            slot: slot, hold: admitted.hold, sharedHold: admitted.sharedHold, decision: decision, loweredMaxTokens: admitted.loweredMaxTokens,
            note: note)
    }

    /// Refuses a request that could not be billed without growing the queue of spend waiting to
    /// be written past its limit (the store is down or slow): spend is never dropped, so the
    /// gateway stops taking on more until the queue drains. Requests already admitted still
    /// record theirs, so the queue can pass the limit by what is in flight.
    func admitToSpendQueue() throws {
        guard (writer?.backlog ?? 0) + settlements.pending >= spendQueueLimit else { return }
        observer?.refused(kind: "spend_queue", level: "gateway")
        throw GatewayError(
            status: 503, message: "Spend cannot be recorded right now: too much is waiting to be written to the store. Try again shortly.",
            type: "api_error", code: "spend_queue_full", headers: [("Retry-After", "1")])
    }

    /// Counts the request (and its estimated tokens) in every request and token window.
    func admitWindows(_ subjects: [LimitSubject], estimate: TokenEstimate, at started: Date) throws -> RateLimiter.Decision? {
        guard subjects.contains(where: \.limits.hasWindow) else { return nil }
        if let sync, let after = syncFailClosedAfter, sync.isOutOfTouch(for: after, now: started) {
            observer?.refused(kind: "store_unavailable", level: "rate")
            throw GatewayError.unavailable("Rate limits cannot be checked right now: the store is unreachable. Try again shortly.")
        }
        let tokens = subjects.contains(where: \.limits.countsTokens) ? estimate.reserved : 0
        let decision = limiter.admit(subjects, tokens: tokens, at: started.timeIntervalSince1970)
        if let decision, let refusal = decision.refusal {
            observer?.refused(kind: "rate", level: refusal.level.rawValue)
            throw GatewayError.rateLimited(refusal, headers: RateLimitHeaders.fields(decision))
        }
        return decision
    }

    /// The accounts a request's spend is added to: its key, user, team and organization (each
    /// with the budget period its limits set), and any other level with a budget of its own.
    static func accounts(of principal: Principal) -> [LimitSubject] {
        var accounts = principal.limitSubjects.filter { $0.maxBudget != nil && !LimitLevel.chain.contains($0.level) }
        // A key's chain, as the identity cache built it once: the same subjects as below.
        if let chain = principal.accounts {
            if accounts.isEmpty { return chain }
            accounts += chain
            return accounts
        }
        // Level by level, not through an array of the four (one more allocation a request).
        func chain(_ level: LimitLevel, _ id: String?) {
            guard let id else { return }
            accounts.append(
                principal.limitSubjects.first { $0.level == level } ?? LimitSubject.account(level, id))
        }
        chain(.key, principal.keyID)
        chain(.user, principal.userID)
        chain(.team, principal.teamID)
        chain(.organization, principal.organizationID)
        return accounts
    }

    /// Returns a shared hold and writes the request's spend with it; tells the webhook of each
    /// soft budget this request's cost crossed (exactly once across instances: the total before
    /// it was below, the total after is not).
    func settle(_ shared: SharedBudgets, _ hold: SharedBudgets.Reservation, record: SpendRecord, accounts: [LimitSubject]) async {
        let totals: [BudgetLedger.Charge: USD]
        do {
            totals = try await shared.settle(hold, record: record)
        } catch {
            // The hold expires on its own; the spend is written with the next batch.
            logger.warning("budget settlement failed", metadata: ["error": "\(String(reflecting: error))"])
            writer?.record(record)
            return
        }
        for subject in accounts {
            guard let soft = subject.softBudget, let total = totals[ledger.charge(for: subject, at: record.startedAt)] else { continue }
            if total >= soft, total - record.cost < soft { alert(subject, spent: total) }
        }
    }

    /// Whether the deployment's responses have a price (and so a cost header).
    public func isPriced(_ deployment: Deployment) -> Bool { prices.price(of: deployment) != nil }

    func alert(_ subject: LimitSubject, spent: USD) {
        observer?.softBudgetCrossed(subject, spent: spent)
    }
}

/// Prices by model (the worst case of its deployments and fallbacks, for budget reservations) and
/// by deployment, computed when the models are loaded rather than per request. A name served
/// through an alias or a pattern (`openai/*`) is priced when it is asked for, from the upstream
/// model it reaches.
public final class PriceTable: Sendable {
    private struct Prices {
        /// The models' names (not the names served through aliases and patterns).
        var names: Set<String> = []
        var worstCase: [String: TokenPrice] = [:]
        /// Models a deployment of which (other than the mock) has no price.
        var unpriced: Set<String> = []
        /// Every deployment, priced or not (nil), so that only a removed one is looked up again.
        var byDeployment: [String: TokenPrice?] = [:]
    }

    private let prices = Mutex(Prices())
    private let router: ModelRouter

    init(router: ModelRouter) {
        self.router = router
        reload()
    }

    /// Prices the router's current models.
    public func reload() {
        var fresh = Prices()
        fresh.names = Set(router.modelNames)
        for model in router.modelNames {
            fresh.worstCase[model] = ModelPrices.worstCase(of: reachable(from: model))
        }
        let named = router.modelNames.flatMap(router.deployments(of:))
        fresh.unpriced = Set(ModelPrices.unpriced(named))
        fresh.byDeployment = Dictionary(named.map { ($0.id, ModelPrices.price(for: $0)) }, uniquingKeysWith: { first, _ in first })
        prices.withLock { $0 = fresh }
    }

    /// The deployments a request for `model` may reach: its own and its fallbacks'.
    private func reachable(from model: String) -> [Deployment] {
        let fallbacks = router.settings.fallbacks[model] ?? router.group(of: model).flatMap { router.settings.fallbacks[$0] } ?? []
        return ([model] + fallbacks).flatMap(router.deployments(of:))
    }

    func worstCase(of model: String) -> TokenPrice? {
        let (named, price) = prices.withLock { ($0.names.contains(model), $0.worstCase[model]) }
        return named ? price : ModelPrices.worstCase(of: reachable(from: model))
    }

    func isUnpriced(_ model: String) -> Bool {
        let (named, unpriced) = prices.withLock { ($0.names.contains(model), $0.unpriced.contains(model)) }
        return named ? unpriced : !ModelPrices.unpriced(router.deployments(of: model)).isEmpty
    }

    /// A deployment's price; one a reload removed while its request ran is priced from itself.
    func price(of deployment: Deployment) -> TokenPrice? {
        let known: TokenPrice?? = prices.withLock { $0.byDeployment[deployment.id] }
        if let known { return known }
        return ModelPrices.price(for: deployment)
    }
}
