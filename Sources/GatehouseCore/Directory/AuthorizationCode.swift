import Crypto
import Foundation

/// One authorization code (RFC 6749 §4.1 with PKCE, RFC 7636): issued to a client's redirect
/// URI when a person approves, exchanged once within a minute for tokens by whoever holds the
/// PKCE verifier. A second exchange revokes what the first issued (RFC 6749 §4.1.2).
public struct AuthorizationCode: Sendable, Equatable {
    /// SHA-256 (hex) of the code.
    public var id: String
    public var clientID: String
    public var redirectURI: String
    public var userID: String
    public var scope: String
    /// `code_challenge` (S256), when the client sent one (always, for a public client).
    public var codeChallenge: String?
    public var expiresAt: Date
    public var usedAt: Date?
    /// The grant its exchange began (so that a second exchange can end it).
    public var familyID: String?
    public var createdAt: Date

    public init(
        id: String, clientID: String, redirectURI: String, userID: String, scope: String, codeChallenge: String?, expiresAt: Date, createdAt: Date
    ) {
        self.id = id
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.userID = userID
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// How long a code may wait for its exchange.
    public static let lifetime: TimeInterval = 60
}

/// Proof Key for Code Exchange, S256 only (RFC 7636 §4.2; `plain` is refused).
public enum PKCE {
    /// The challenge of a verifier: BASE64URL(SHA-256(verifier)), unpadded.
    public static func challenge(of verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether a verifier is what RFC 7636 §4.1 allows: 43 to 128 unreserved characters.
    public static func isWellFormed(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(unreserved)
    }

    /// Whether a challenge can be an S256 challenge: 43 base64url characters.
    public static func isWellFormedChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && challenge.utf8.allSatisfy(unreserved)
    }

    static func unreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}

/// Redirect URIs of registered clients (RFC 6749 §3.1.2, the Security BCP RFC 9700 §2.1, native
/// apps RFC 8252): compared exactly, except that a loopback URI's port may differ.
public enum RedirectURI {
    /// Whether a URI may be registered: `https` with a host, `http` to a loopback address, or a
    /// private-use scheme with a dot (`com.example.app:/callback`); never with a fragment.
    public static func isAcceptable(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, !text.contains("#"), let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            return false
        }
        switch scheme {
        case "https": return !(url.host ?? "").isEmpty
        case "http": return isLoopback(url.host)
        default: return scheme.contains(".") && !["javascript", "data", "file", "vbscript"].contains(scheme)
        }
    }

    /// Whether the URI a request presents is one the client registered.
    public static func matches(registered: [String], presented: String) -> Bool {
        registered.contains { matches($0, presented) }
    }

    static func matches(_ registered: String, _ presented: String) -> Bool {
        if registered == presented { return true }
        // RFC 8252 §7.3: a native app's loopback redirect may use any port.
        guard var mine = URLComponents(string: registered), var theirs = URLComponents(string: presented), mine.scheme == "http",
            theirs.scheme == "http", isLoopback(mine.host), mine.host == theirs.host
        else { return false }
        mine.port = nil
        theirs.port = nil
        return mine.string == theirs.string
    }

    static func isLoopback(_ host: String?) -> Bool { ["127.0.0.1", "[::1]", "::1", "localhost"].contains(host?.lowercased() ?? "") }
}
