/// Which models a list of allowed names admits: exact names, patterns (`*`, `openai/*`,
/// `bedrock/anthropic.*`: see `ModelPattern`) and `model_info.access_groups` names. An empty list admits everything.
public enum ModelAccess {
    public static func allows(_ allowed: [String], model: String, accessGroups: [String] = []) -> Bool {
        guard !allowed.isEmpty else { return true }
        for entry in allowed {
            if entry == model || entry == "*" || accessGroups.contains(entry) { return true }
            if ModelPattern.isPattern(entry), ModelPattern(entry).matches(model) { return true }
        }
        return false
    }
}
