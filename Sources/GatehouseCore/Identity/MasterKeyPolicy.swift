/// What makes a master key acceptable: long and not a copy-pasted placeholder.
public enum MasterKeyPolicy {
    public static let minimumLength = 32

    static let placeholders = [
        "changeme", "change-me", "change_me", "placeholder", "your-master-key", "your_master_key",
        "yourkey", "example", "replace", "secret", "password", "1234567890", "abcdefgh", "xxxxxxxx",
    ]

    /// Why `key` is refused, or nil when it is acceptable.
    public static func problem(with key: String) -> String? {
        if key.count < minimumLength {
            return "master key must be at least \(minimumLength) characters"
        }
        let lowered = key.lowercased()
        if let word = placeholders.first(where: lowered.contains) {
            return "master key looks like a placeholder (contains `\(word)`); generate a random one"
        }
        if Set(key).count < 8 {
            return "master key has too few distinct characters; generate a random one"
        }
        return nil
    }
}
