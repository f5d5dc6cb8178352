import Foundation
import GatehouseCore
import GatehouseMetering
import GatehouseStore

/// The limits panel of a key, user, team or organization: every level of its chain with each
/// limit, what is used of it, when it starts again, and which level binds now — the least room
/// left, the limit a request meets first. Levels without a limit are listed too ("no limit"),
/// so the chain is seen whole.
struct LimitsPanel {
    let spend: SpendLookup
    let cache: IdentityCache
    /// A key's chain, read from the store when a bounded cache does not hold the key.
    let keys: KeyLookup

    /// A key's chain: the key, its user, the user within its team, its team and organization.
    func key(_ id: String) async throws -> String {
        try await Self.render(spend.standing(of: keySubjects(id)))
    }

    /// A user's, team's or organization's chain upward (a team's through its organization).
    func chain(user: String? = nil, team: String? = nil, organization: String?) async throws -> String {
        try await Self.render(spend.standing(of: chainSubjects(user: user, team: team, organization: organization)))
    }

    func keySubjects(_ id: String) async throws -> [LimitSubject] {
        guard let resolved = try await keys.resolve(keyID: id) else { return [] }
        let grant = resolved.grant
        var named: [(LimitLevel, String)] = [(.key, grant.id)]
        if let user = grant.userID { named.append((.user, user)) }
        if let team = grant.teamID { named.append((.team, team)) }
        if let organization = grant.organizationID ?? resolved.limitSubjects.first(where: { $0.level == .organization })?.idWithin {
            named.append((.organization, organization))
        }
        return Self.rows(named, resolved.limitSubjects)
    }

    func chainSubjects(user: String?, team: String?, organization: String?) -> [LimitSubject] {
        let chain = cache.chain(userID: user, teamID: team, organizationID: organization)
        var named: [(LimitLevel, String)] = []
        if let user { named.append((.user, user)) }
        if let team { named.append((.team, team)) }
        if let organization = organization ?? chain.limits.first(where: { $0.level == .organization })?.idWithin {
            named.append((.organization, organization))
        }
        return Self.rows(named, chain.limits)
    }

    /// The named levels in order (their limits from `subjects`, none when absent), then any
    /// other level with limits (a member's own within the team, a shared budget's).
    static func rows(_ named: [(LimitLevel, String)], _ subjects: [LimitSubject]) -> [LimitSubject] {
        var rows = named.map { level, id in
            subjects.first { $0.level == level } ?? LimitSubject.account(level, id)
        }
        for subject in subjects where !rows.contains(where: { $0.id == subject.id }) {
            let position = subject.level == .teamMember ? rows.firstIndex { $0.level == .team } ?? rows.endIndex : rows.endIndex
            rows.insert(subject, at: position)
        }
        return rows
    }

    /// Whether the panel shows now or the moment a request was admitted.
    enum Moment {
        case now
        case admission
    }

    static let columns: [(LimitStanding.Measure, String)] = [
        (.budget, "Budget"), (.requestsPerMinute, "Requests / min"), (.tokensPerMinute, "Tokens / min"), (.requestsPerDay, "Requests / day"),
        (.tokensPerDay, "Tokens / day"),
    ]

    static func render(_ standing: LimitStanding, _ moment: Moment = .now) -> String {
        let binding = Dictionary(uniqueKeysWithValues: columns.compactMap { measure, _ in standing.binding(measure).map { (measure, $0) } })
        let rows = standing.levels.enumerated().map { index, level in
            let cells = columns.map { measure, _ in
                let binds = binding[measure] == index
                return "<td\(binds ? " class=\"binds\"" : "")>\(cell(level, measure))\(binds ? " <span class=\"badge binds\">binds</span>" : "")</td>"
            }.joined()
            return "<tr><th scope=\"row\">\(name(level))</th>\(cells)</tr>"
        }
        let head = columns.map { "<th scope=\"col\">\($0.1)</th>" }.joined()
        var sentences = columns.compactMap { measure, label -> String? in
            guard let index = binding[measure] else { return nil }
            let level = standing.levels[index]
            let left = amount(level.room(measure) ?? 0, measure)
            switch moment {
            case .now: return "<li>\(label): \(name(level)) binds, \(left) left; \(resets(level, measure, dayEnds: standing.dayEnds)).</li>"
            case .admission: return "<li>\(label): \(name(level)) bound, \(left) left before this request.</li>"
            }
        }
        if sentences.isEmpty { sentences = ["<li>No level of this chain sets a limit: nothing but the gateway's own bounds applies.</li>"] }
        let (title, question) =
            switch moment {
            case .now: ("Limits", "Which level binds now</strong> (the least room left: a request meets its limit first)")
            case .admission:
                (
                    "Limits when it was admitted",
                    "Which level bound</strong> (use from the spend rows before this request, against the limits as they are today)"
                )
            }
        return """
            <h2>\(title)</h2>
            <table class="limits"><thead><tr><th scope="col">Level</th>\(head)</tr></thead><tbody>\(rows.joined())</tbody></table>
            <div class="card"><p><strong>\(question)</p>
            <ul class="plain">\(sentences.joined())</ul></div>
            """
    }

    static func name(_ level: LimitStanding.Level) -> String {
        let what =
            switch level.level {
            case .teamMember: "member in team"
            case .endUser: "end user"
            default: level.level.rawValue
            }
        return "\(HTML.escape(what)) <span class=\"mono\">\(HTML.escape(level.id))</span>"
    }

    static func cell(_ level: LimitStanding.Level, _ measure: LimitStanding.Measure) -> String {
        guard let limit = level.limit(measure) else {
            let used = measure == .budget ? ConsoleText.dollars(level.spent.dollars) + " spent, " : ""
            return "<span class=\"muted\">\(used)no limit</span>"
        }
        var text = "\(amount(level.use(measure), measure)) of \(amount(limit, measure))"
        if measure == .budget {
            text += "<div class=\"muted\">\(level.budgetResets.map { "resets " + ConsoleText.time($0) } ?? "never resets")</div>"
        }
        return text
    }

    static func amount(_ value: Double, _ measure: LimitStanding.Measure) -> String {
        measure == .budget ? ConsoleText.dollars(value) : String(Int(value))
    }

    static func resets(_ level: LimitStanding.Level, _ measure: LimitStanding.Measure, dayEnds: Date) -> String {
        switch measure {
        case .budget: level.budgetResets.map { "starts again " + ConsoleText.time($0) } ?? "it never starts again"
        case .requestsPerMinute, .tokensPerMinute: "a sliding minute: room comes back as requests leave it"
        case .requestsPerDay, .tokensPerDay: "starts again " + ConsoleText.time(dayEnds)
        }
    }
}
