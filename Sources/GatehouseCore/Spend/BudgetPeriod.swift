import Foundation

/// A `budget_duration` (`30s`, `15m`, `1h`, `1d`, `7d`, `2w`, `1mo`) as calendar periods in a
/// time zone: spend resets at the start of each. Periods shorter than a day start at midnight and
/// follow each other through the day (a duration that does not divide the day has a shorter last
/// period); day and week periods are counted from Monday 1 January 2024, so `7d` and `1w` start
/// on Mondays; month periods start on the first of a month, counted from January (`3mo`:
/// quarters). Daylight-saving days are as long as the calendar says.
public struct BudgetPeriod: Sendable, Equatable {
    public enum Unit: Sendable, Equatable {
        case seconds, days, months
    }

    public var unit: Unit
    /// Seconds, days or months per period.
    public var count: Int

    public init?(_ text: String) {
        let units: [(String, Unit, Int)] = [
            ("mo", .months, 1), ("s", .seconds, 1), ("m", .seconds, 60), ("h", .seconds, 3600), ("d", .days, 1), ("w", .days, 7),
        ]
        guard let (suffix, unit, factor) = units.first(where: { text.hasSuffix($0.0) }),
            let count = Int(text.dropLast(suffix.count)), count > 0, count <= 100_000
        else { return nil }
        self.unit = unit
        self.count = count * factor
        if unit == .seconds, self.count >= 86_400, self.count % 86_400 == 0 {
            self.unit = .days
            self.count /= 86_400
        }
    }

    /// The period containing `date`: its start and the start of the next.
    public func period(containing date: Date, calendar: Calendar) -> (start: Date, end: Date) {
        switch unit {
        case .seconds:
            let midnight = calendar.startOfDay(for: date)
            let nextMidnight = calendar.date(byAdding: .day, value: 1, to: midnight)!
            let index = (date.timeIntervalSince(midnight) / Double(count)).rounded(.down)
            let start = midnight.addingTimeInterval(index * Double(count))
            return (start, min(start.addingTimeInterval(Double(count)), nextMidnight))
        case .days:
            let reference = calendar.date(from: DateComponents(year: 2024, month: 1, day: 1))!
            let days = calendar.dateComponents([.day], from: reference, to: calendar.startOfDay(for: date)).day!
            let first = Int((Double(days) / Double(count)).rounded(.down)) * count
            return (calendar.date(byAdding: .day, value: first, to: reference)!, calendar.date(byAdding: .day, value: first + count, to: reference)!)
        case .months:
            let parts = calendar.dateComponents([.year, .month], from: date)
            let index = parts.year! * 12 + parts.month! - 1
            let first = Int((Double(index) / Double(count)).rounded(.down)) * count
            func start(_ month: Int) -> Date { calendar.date(from: DateComponents(year: month / 12, month: month % 12 + 1, day: 1))! }
            return (start(first), start(first + count))
        }
    }

    /// A Gregorian calendar in `timeZone` (an IANA name such as `Europe/Berlin`; nil: UTC).
    public static func calendar(timeZone: String?) -> Calendar? {
        guard let zone = TimeZone(identifier: timeZone ?? "UTC") else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
