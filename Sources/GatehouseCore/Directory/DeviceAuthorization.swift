import Foundation

/// One device authorization (RFC 8628): a device (`gatehouse login`, an IDE plugin) asked for a
/// token and shows the person a user code; the person approves or denies it at `/device`; the
/// device polls `/oauth/token` until then. Stored (by the device code's digest) so that any
/// instance answers the poll.
public struct DeviceAuthorization: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending
        case approved
        case denied
        /// Its token was issued: a second poll gets nothing.
        case used
    }

    /// SHA-256 (hex) of the device code.
    public var id: String
    /// As shown to the person, without its dash (`BCDFGHJK`).
    public var userCode: String
    public var clientID: String
    public var scope: String
    public var status: Status = .pending
    /// The person who approved (or denied) it.
    public var userID: String?
    /// Seconds the device must wait between polls (raised by 5 at every `slow_down`).
    public var interval: Int
    public var expiresAt: Date
    public var lastPolledAt: Date?
    public var createdAt: Date

    public init(id: String, userCode: String, clientID: String, scope: String, interval: Int, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.userCode = userCode
        self.clientID = clientID
        self.scope = scope
        self.interval = interval
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// User codes (RFC 8628 §6.1): eight letters of an alphabet without vowels (no words) or look-alikes,
/// shown as `BCDF-GHJK`: 20⁸ ≈ 2.6 × 10¹⁰ codes (34 bits), valid for minutes, with guessing
/// locked out like passwords.
public enum UserCode {
    static let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
    public static let length = 8

    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(random.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// As shown: `BCDF-GHJK`.
    public static func display(_ code: String) -> String {
        code.count == length ? String(code.prefix(4)) + "-" + String(code.suffix(4)) : code
    }

    /// What a person typed, as stored: upper case, without dashes and spaces; nil when it cannot
    /// be a code.
    public static func normalized(_ typed: String) -> String? {
        let code = String(typed.uppercased().filter { $0 != "-" && $0 != " " })
        guard code.count == length, code.allSatisfy(alphabet.contains) else { return nil }
        return code
    }
}

/// A refresh token of a person's grant (device flow, authorization code): used once, then
/// replaced by a new one of the same family; a used one presented again means it leaked, and the
/// whole family is revoked (its access tokens too).
public struct RefreshToken: Sendable, Equatable {
    /// SHA-256 (hex) of the token.
    public var id: String
    /// Every token descended from one grant.
    public var familyID: String
    public var userID: String
    public var clientID: String
    public var scope: String
    public var expiresAt: Date
    public var usedAt: Date?
    public var revoked = false
    public var createdAt: Date

    public init(id: String, familyID: String, userID: String, clientID: String, scope: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.familyID = familyID
        self.userID = userID
        self.clientID = clientID
        self.scope = scope
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// A new token: `ghr_` and 43 base62 characters (256 bits).
    public static func newSecret() -> String { "ghr_" + String(APIKeyFormat.generate().dropFirst(3).prefix(43)) }
}
