import Foundation
import GatehouseCore

/// How the console writes figures: spend against a budget and its period, rate limits, dates,
/// and the line under a list (how many, and the way to the other pages). Returns HTML.
enum ConsoleText {
    static func dollars(_ amount: Double) -> String { String(format: "$%.2f", amount) }

    static func budget(spend: Double, _ limits: Limits) -> String {
        guard let max = limits.maxBudget else { return "\(dollars(spend)) <span class=\"muted\">no budget</span>" }
        let period = limits.budgetDuration.map { " per " + HTML.escape($0) } ?? ""
        return "\(dollars(spend)) of \(dollars(max))\(period)"
    }

    static func rates(_ limits: Limits) -> String {
        let parts = [limits.rpmLimit.map { "\($0) req/min" }, limits.tpmLimit.map { "\($0) tokens/min" }].compactMap { $0 }
        return parts.isEmpty ? "<span class=\"muted\">none</span>" : HTML.escape(parts.joined(separator: ", "))
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }

    /// A table of `rows` (HTML `<tr>`s) under `headers` (the last one may be empty: actions), or
    /// the `empty` sentence when there are none.
    static func table(_ headers: [String], _ rows: [String], empty: String) -> String {
        guard !rows.isEmpty else { return "<div class=\"card empty\">\(HTML.escape(empty))</div>" }
        let head = headers.map { $0.isEmpty ? "<th scope=\"col\"><span class=\"muted\">Actions</span></th>" : "<th scope=\"col\">\($0)</th>" }
        return "<table><thead><tr>\(head.joined())</tr></thead><tbody>\(rows.joined())</tbody></table>"
    }

    /// "12 teams", and links to the first page and the next one of a keyset-paged list: `filters`
    /// are kept, `next` is where the next page starts (nil on the last page), passed as `after`.
    static func keysetPager(
        total: Int, noun: String, path: String, filters: [(String, String?)], paged: Bool, next: String?, after: String = "after"
    ) -> String {
        func link(_ extra: [(String, String?)]) -> String {
            let present = (filters + extra).compactMap { name, value in value.map { (name, $0) } }
            return HTML.escape(path + (present.isEmpty ? "" : "?" + FormEncoding.encode(present)))
        }
        var html = "<div class=\"pager\"><span>\(total) \(noun)\(total == 1 ? "" : "s")</span><span>"
        if paged { html += "<a href=\"\(link([]))\">First page</a> " }
        if let next { html += "<a href=\"\(link([(after, next)]))\">Next page →</a>" }
        return html + "</span></div>"
    }
}
