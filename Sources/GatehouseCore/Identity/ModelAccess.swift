/// Which models a list of allowed names admits: exact names, patterns (`*`, `openai/*`,
/// `bedrock/anthropic.*`: see `ModelPattern`) and `model_info.access_groups` names. An empty list admits everything.
public enum ModelAccess {
    /// A list holding only this admits no model (LiteLLM's `no-default-models`): "none", where
    /// the empty list means "all".
    public static let none = "no-default-models"

    /// How a list reads in words: "all models" (`all`, when empty), "no models", or the names.
    public static func describe(_ allowed: [String], all: String) -> String {
        if allowed.isEmpty { return all }
        return allowed == [none] ? "No models" : allowed.joined(separator: ", ")
    }

    public static func allows(_ allowed: [String], model: String, accessGroups: [String] = []) -> Bool {
        guard !allowed.isEmpty else { return true }
        for entry in allowed {
            if entry == model || entry == "*" || accessGroups.contains(entry) { return true }
            if ModelPattern.isPattern(entry), ModelPattern.matches(entry, model) { return true }
        }
        return false
    }
}
