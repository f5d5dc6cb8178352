/// Which models a list of allowed names admits: exact names, `provider/*`-style wildcards, `*`,
/// and `model_info.access_groups` names. An empty list admits everything.
public enum ModelAccess {
    public static func allows(_ allowed: [String], model: String, accessGroups: [String] = []) -> Bool {
        guard !allowed.isEmpty else { return true }
        for entry in allowed {
            if entry == model || entry == "*" || accessGroups.contains(entry) { return true }
            if entry.hasSuffix("*"), model.hasPrefix(entry.dropLast()) { return true }
        }
        return false
    }
}
