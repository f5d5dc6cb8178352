import Crypto
import Foundation

/// A key's SHA-256 digest as four words: a dictionary key with no heap allocation, so that a
/// hundred thousand cached keys stay small.
public struct KeyDigest: Hashable, Sendable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// The digest of a presented key.
    /// Hashed from the key's own bytes and read into four words, with nothing allocated: this runs
    /// for every request that presents a key.
    public init(key: String) {
        var text = key
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        words = digest.withUnsafeBytes { bytes in
            func word(_ index: Int) -> UInt64 { UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            return (word(0), word(1), word(2), word(3))
        }
    }

    /// From the stored lower-case hex form (`APIKeyFormat.hash`).
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            words[index / 16] = words[index / 16] << 4 | UInt64(nibble)
        }
        self.words = (words[0], words[1], words[2], words[3])
    }

    /// The lower-case hex form the store keeps (`APIKeyFormat.hash`), for a lookup by hash.
    public var hex: String {
        [words.0, words.1, words.2, words.3].map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    public static func == (lhs: KeyDigest, rhs: KeyDigest) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Equality without an early exit, for comparing against a secret's digest.
    public func constantTimeEquals(_ other: KeyDigest) -> Bool {
        ((words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}

/// What the request path needs to know about a key: who it is and what it may do. The cache
/// holds these rather than whole `VirtualKey`s (no metadata or timestamps).
public struct KeyGrant: Sendable, Equatable {
    public var id: String
    public var alias: String?
    public var userID: String?
    public var teamID: String?
    public var organizationID: String?
    public var models: [String]
    public var allowedRoutes: [String]
    public var blocked: Bool
    public var expiresAt: Date?
    /// The key's `updatedAt`: a change read before a newer one must not replace it.
    public var updatedAt: Date

    public init(_ key: VirtualKey) {
        id = key.id
        alias = key.alias
        userID = key.userID
        teamID = key.teamID
        organizationID = key.organizationID
        models = key.models
        allowedRoutes = key.allowedRoutes
        blocked = key.blocked
        expiresAt = key.expiresAt
        updatedAt = key.updatedAt
    }

    /// Inlinable: built per request by the key table, in another module, where a call copied the
    /// whole grant once more.
    @inlinable
    public init(
        id: String, alias: String?, userID: String?, teamID: String?, organizationID: String?, models: [String], allowedRoutes: [String],
        blocked: Bool, expiresAt: Date?, updatedAt: Date
    ) {
        self.id = id
        self.alias = alias
        self.userID = userID
        self.teamID = teamID
        self.organizationID = organizationID
        self.models = models
        self.allowedRoutes = allowedRoutes
        self.blocked = blocked
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }

    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}
