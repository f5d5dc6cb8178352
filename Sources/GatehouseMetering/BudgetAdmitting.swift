import Foundation
import GatehouseCore
import GatehouseProviders
import GatehouseStore
import Logging

/// What the budgets took for an admitted request, and the request as admitted: under `fit`, its
/// `max_tokens` may have been lowered so that its worst case fits.
struct BudgetAdmitted {
    var hold = BudgetLedger.Hold()
    var sharedHold: SharedBudgets.Reservation?
    var forward: ForwardRequest
    var estimate: TokenEstimate
    /// The `max_tokens` the request was lowered to, if it was.
    var loweredMaxTokens: Int?
}

extension Metering {
    /// Each level's admission rule: its own `budget_admission`, else the gateway's.
    var admissionMode: @Sendable (LimitSubject) -> BudgetAdmission {
        { [budgetAdmission] in $0.admission ?? budgetAdmission }
    }

    /// Admits the request at every budgeted level, by each level's rule, or throws LiteLLM's
    /// `budget_exceeded` saying what would have been admitted.
    func admitBudgets(
        _ budgeted: [LimitSubject], forward: ForwardRequest, estimate: TokenEstimate, bodyBytes: Int, principal: Principal, at started: Date
    ) async throws -> BudgetAdmitted {
        var admitted = BudgetAdmitted(forward: forward, estimate: estimate)
        guard !budgeted.isEmpty else { return admitted }
        let price = prices.worstCase(of: forward.model)
        let cost = price?.usd(of: Usage(promptTokens: estimate.promptBound, completionTokens: estimate.completion)) ?? .zero
        do {
            (admitted.hold, admitted.sharedHold) = try await reserveBudgets(budgeted, cost: cost, at: started)
            return admitted
        } catch let refusal as BudgetLedger.Refusal {
            let choices = TokenEstimate.choices(in: forward.body)
            let asked = max(1, estimate.completion / choices)
            // Under `fit`, the least room of every level; otherwise the refusing level's, for the message.
            let room = refusal.admission == .fit ? try await headroom(budgeted, at: started) : refusal.remaining
            let fitting = price.flatMap { price in
                room.flatMap { Self.fittingTokens(price, promptBound: estimate.promptBound, choices: choices, room: $0) }
            }
            guard refusal.admission == .fit, forward.endpoint.generatesText, let price, let tokens = fitting,
                tokens >= BudgetAdmission.minimumTokens, tokens < asked
            else {
                throw refused(refusal, principal: principal, forward: forward, estimate: estimate, cost: cost, fitting: fitting)
            }
            admitted.forward.body = TokenEstimate.limiting(forward.body, to: tokens)
            admitted.estimate = TokenEstimate(
                body: admitted.forward.body, bodyBytes: bodyBytes, endpoint: forward.endpoint, defaultMaxTokens: defaultMaxTokens)
            admitted.loweredMaxTokens = tokens
            let lowered = price.usd(of: Usage(promptTokens: estimate.promptBound, completionTokens: admitted.estimate.completion))
            do {
                (admitted.hold, admitted.sharedHold) = try await reserveBudgets(budgeted, cost: lowered, at: started)
                return admitted
            } catch let again as BudgetLedger.Refusal {
                // Others took the room in between.
                throw refused(again, principal: principal, forward: forward, estimate: estimate, cost: cost, fitting: nil)
            }
        }
    }

    /// The most completion tokens a choice may ask for so that the prompt's bound and `choices`
    /// completions cost at most `room` at `price`; nil when not even the prompt fits.
    static func fittingTokens(_ price: TokenPrice, promptBound: Int, choices: Int, room: USD) -> Int? {
        func cost(_ tokens: Int) -> USD { price.usd(of: Usage(promptTokens: promptBound, completionTokens: tokens * choices)) }
        guard cost(0) <= room else { return nil }
        // Binary search: the cost grows with the tokens.
        var (low, high) = (0, InputBounds.tokens)
        while low < high {
            let middle = (low + high + 1) / 2
            if cost(middle) <= room { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Holds the worst case at every budgeted level: in the shared store when there is one (a
    /// store that does not answer refuses the request: budgets fail closed), else here.
    func reserveBudgets(_ budgeted: [LimitSubject], cost: USD, at started: Date) async throws -> (BudgetLedger.Hold, SharedBudgets.Reservation?) {
        let mode = admissionMode
        guard let shared, !budgeted.isEmpty else {
            return (try ledger.reserve(budgeted, cost: cost, at: started, mode: mode).get(), nil)
        }
        do {
            let holds = budgeted.map { ($0, ledger.charge(for: $0, at: started)) }
            let holdSeconds = holdSeconds
            let reservation = try await withDeadline(
                seconds: storeTimeout, { try await shared.reserve(holds, cost: cost, now: started, holdFor: holdSeconds, mode: mode) },
                // A hold the store confirms after the request was refused is given back.
                late: { try? await shared.release($0) })
            return (BudgetLedger.Hold(), reservation)
        } catch let refusal as BudgetLedger.Refusal {
            throw refusal
        } catch {
            throw storeUnavailable(error)
        }
    }

    /// The least room at the levels that hold what they admit.
    func headroom(_ budgeted: [LimitSubject], at started: Date) async throws -> USD? {
        guard let shared else { return ledger.headroom(budgeted, at: started, mode: admissionMode) }
        do {
            let subjects = budgeted.map { ($0, ledger.charge(for: $0, at: started)) }
            let mode = admissionMode
            return try await withDeadline(seconds: storeTimeout) { try await shared.headroom(subjects, now: started, mode: mode) }
        } catch {
            throw storeUnavailable(error)
        }
    }

    func storeUnavailable(_ error: any Error) -> GatewayError {
        observer?.refused(kind: "store_unavailable", level: "budget")
        logger.warning("budget check failed", metadata: ["error": "\(String(reflecting: error))"])
        return GatewayError.unavailable("Budgets cannot be checked right now: the store is unreachable. Try again shortly.")
    }

    /// LiteLLM's refusal (`Budget has been exceeded! Key=… Current cost: …, Max budget: …`), then
    /// in plain words what would be admitted.
    func refused(
        _ refusal: BudgetLedger.Refusal, principal: Principal, forward: ForwardRequest, estimate: TokenEstimate, cost: USD, fitting: Int?
    ) -> GatewayError {
        observer?.refused(kind: "budget", level: refusal.level.rawValue)
        var message = "Budget has been exceeded! \(Self.name(of: refusal.level, principal, forward)) Current cost: \(refusal.spent), "
        message += "Max budget: \(refusal.maxBudget). "
        if refusal.admission == .spend || refusal.remaining == .zero {
            message += "Nothing remains of this budget"
            message += refusal.admission == .spend ? " (it admits requests while its spend is below the budget)." : "."
        } else {
            message += "\(refusal.remaining) USD remains; this request could cost up to \(cost) USD "
            message += "(its prompt and up to \(estimate.completion) completion tokens at `\(forward.model)`'s price). "
            switch fitting {
            case let tokens? where tokens >= 1 && forward.endpoint.generatesText:
                message += "With `max_tokens` at most \(tokens) it would be admitted."
            default:
                message += "Even without completion tokens the prompt does not fit: shorten it."
            }
        }
        return GatewayError(status: 400, message: message, type: "budget_exceeded", code: "400")
    }

    /// How LiteLLM names the level whose budget refused (`Key=alias`, `Team=id`).
    static func name(of level: LimitLevel, _ principal: Principal, _ forward: ForwardRequest) -> String {
        switch level {
        case .key: "Key=\(principal.keyAlias ?? "key")"
        case .user: "User=\(principal.userID ?? "user")"
        case .team: "Team=\(principal.teamID ?? "team")"
        case .teamMember: "Team Member=\(principal.userID ?? "user") in Team=\(principal.teamID ?? "team")"
        case .organization: "Organization=\(principal.organizationID ?? "organization")"
        case .token: "Token=\(principal.id)"
        case .client: "Client=\(principal.id)"
        case .endUser: "Customer=\(forward.body["user"]?.stringValue ?? "end user")"
        }
    }
}
