/// LiteLLM's duration strings: `30s`, `15m`, `12h`, `7d`, `2w`, `1mo` (30 days).
public enum DurationText {
    /// Seconds, or nil when the text is not a duration or is longer than `InputBounds.seconds`
    /// (a key lifetime of 10¹³ days once overflowed the date's milliseconds and stopped the process).
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("mo", 2_592_000), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let count = Int(text.dropLast(suffix.count)), count > 0 else { return nil }
            let seconds = Double(count) * factor
            return seconds <= InputBounds.seconds ? seconds : nil
        }
        return nil
    }
}
