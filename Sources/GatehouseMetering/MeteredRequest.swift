import Foundation
import GatehouseCore
import GatehouseProviders
import GatehouseStore
import Synchronization

/// An admitted request's reservations, returned exactly once with what it used.
public final class MeteredRequest: Sendable {
    let metering: Metering
    /// The request as admitted: what is forwarded (under `fit`, with `max_tokens` lowered).
    public let forward: ForwardRequest
    /// The `max_tokens` a `fit` budget lowered the request to, if it did.
    public let loweredMaxTokens: Int?
    let principal: Principal
    let accounts: [LimitSubject]
    let estimate: TokenEstimate
    let started: Date
    let slot: ConcurrencySlot?
    let hold: BudgetLedger.Hold
    let sharedHold: SharedBudgets.Reservation?
    public let decision: RateLimiter.Decision?
    public let requestID = RequestID.next()
    let note: (any MeteringNote)?
    private let finished = Mutex(false)

    init(
        metering: Metering, forward: ForwardRequest, principal: Principal, accounts: [LimitSubject], estimate: TokenEstimate, started: Date,
        slot: ConcurrencySlot?, hold: BudgetLedger.Hold, sharedHold: SharedBudgets.Reservation?, decision: RateLimiter.Decision?,
        loweredMaxTokens: Int? = nil, note: (any MeteringNote)? = nil
    ) {
        self.loweredMaxTokens = loweredMaxTokens
        self.note = note
        self.sharedHold = sharedHold
        self.metering = metering
        self.forward = forward
        self.principal = principal
        self.accounts = accounts
        self.estimate = estimate
        self.started = started
        self.slot = slot
        self.hold = hold
        self.decision = decision
        note?.admitted(requestID: requestID, model: forward.model, stream: forward.stream)
    }

    /// - Parameters:
    ///   - usage: what the upstream reported; nil when it reported nothing.
    ///   - deployment: the deployment that answered; nil when none did (nothing is billed).
    ///   - responseID: the `id` of the response the client got.
    /// - Returns: the cost billed.
    @discardableResult
    public func finish(usage: Usage?, deployment: Deployment?, status: Int, responseID: String? = nil) -> USD {
        guard
            finished.withLock({ finished in
                defer { finished = true }
                return !finished
            })
        else { return .zero }
        slot?.release()
        let billed = deployment == nil ? Usage(promptTokens: 0, completionTokens: 0) : usage ?? estimate.billed
        let cost = deployment.flatMap(metering.prices.price(of:))?.usd(of: billed) ?? .zero
        if let reservation = decision?.reservation { metering.limiter.settle(reservation, tokens: billed.totalTokens) }
        let end = metering.now()
        var record = SpendRecord(
            requestID: requestID, startedAt: started, principalID: principal.id, method: principal.method.rawValue,
            model: forward.model, usage: billed, cost: cost, status: status, charges: [])
        record.responseID = responseID
        record.keyID = principal.keyID
        record.keyAlias = principal.keyAlias
        record.userID = principal.userID
        record.teamID = principal.teamID
        record.organizationID = principal.organizationID
        record.endUser = forward.body["user"]?.stringValue
        record.deployment = deployment?.id
        record.usageEstimated = deployment != nil && usage == nil
        record.latencyMs = Int(saturating: (end.timeIntervalSince(started) * 1000).rounded())
        record.stream = forward.stream
        note?.billed(
            deployment: deployment?.id, promptTokens: billed.promptTokens, completionTokens: billed.completionTokens, cost: cost, status: status)
        metering.observer?.billed(
            model: forward.model, status: status, promptTokens: billed.promptTokens, completionTokens: billed.completionTokens, cost: cost,
            keyAlias: principal.keyAlias)
        if let sharedHold, let shared = metering.shared {
            // Charged to the periods the request was admitted in, like its hold.
            record.charges = accounts.map { metering.ledger.charge(for: $0, at: started) }
            metering.settlements.submit { [metering, accounts, record] in
                await metering.settle(shared, sharedHold, record: record, accounts: accounts)
            }
        } else {
            let settlement = metering.ledger.settle(hold, cost: cost, subjects: accounts, at: end)
            record.charges = settlement.charges
            metering.writer?.record(record)
            for (subject, spent) in settlement.softBudgetCrossed { metering.alert(subject, spent: spent) }
        }
        return cost
    }

    deinit {
        // A request dropped without an outcome (its task cancelled, or a stream body Hummingbird
        // never ran) still returns what it holds: in memory here, through the settlement
        // service for the store.
        finish(usage: nil, deployment: nil, status: 499)
    }
}

/// Request ids unique across instances and restarts without a random draw per request: a random
/// prefix chosen at start, then a counter.
enum RequestID {
    static let prefix = "req_" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "_"
    static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        prefix + String(counter.add(1, ordering: .relaxed).newValue, radix: 36)
    }
}
