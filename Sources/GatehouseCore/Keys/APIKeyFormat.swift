import Crypto

/// Gatehouse API keys: `sk-` + 43 base62 characters of randomness (256 bits) + a 6-character
/// base62 CRC-32 checksum of that randomness. The checksum lets a mistyped or truncated key be
/// refused before any lookup, and lets secret scanners recognise a leaked key with few false hits.
///
/// Keys are stored as SHA-256 digests. A slow password hash (bcrypt, argon2) buys nothing for a
/// 256-bit random secret — nobody can brute-force the preimage — and would put milliseconds on
/// every cache miss; SHA-256 keeps lookups constant-time-comparable and fast.
public enum APIKeyFormat {
    public static let prefix = "sk-"
    static let randomLength = 43
    static let checksumLength = 6
    public static var generatedLength: Int { prefix.count + randomLength + checksumLength }
    /// Caller-supplied keys (carried over from another gateway) need no checksum, but this many
    /// characters so that they cannot be guessed.
    public static let minimumImportedLength = 32

    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new key from the system's secure random generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<randomLength).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }
        return prefix + String(decoding: random, as: UTF8.self) + checksum(of: random)
    }

    /// Whether `key` looks like a Gatehouse-generated key (prefix and length).
    public static func isGeneratedShape(_ key: String) -> Bool {
        key.utf8.count == generatedLength && key.hasPrefix(prefix)
    }

    /// Whether a generated-shape key's checksum matches its random part.
    public static func hasValidChecksum(_ key: String) -> Bool {
        guard isGeneratedShape(key) else { return false }
        let bytes = Array(key.utf8)
        let random = Array(bytes[prefix.count..<(prefix.count + randomLength)])
        return checksum(of: random) == String(decoding: bytes[(prefix.count + randomLength)...], as: UTF8.self)
    }

    /// The stored form of a key: lower-case hex SHA-256.
    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }

    /// How a key is shown after creation: `sk-…abcd`.
    public static func display(_ key: String) -> String {
        "sk-…" + String(key.suffix(4))
    }

    static func checksum(of random: [UInt8]) -> String {
        var value = UInt64(CRC32.checksum(random))
        var digits: [UInt8] = []
        for _ in 0..<checksumLength {
            digits.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// CRC-32 (IEEE 802.3), for key checksums.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
