import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Hummingbird

/// What a browser's single sign-on must carry from `/sso/<name>/start` to the provider's answer
/// at `/sso/<name>/callback`: the provider, the attempt (`state`, `nonce`, PKCE verifier), where
/// to go afterwards, and until when. Kept in the browser, sealed with AES-GCM under a key of its
/// own (from the salt key), so any instance may take the callback and nothing is stored per
/// attempt; `HttpOnly`, `SameSite=Lax` (it must come back with the provider's top-level
/// redirect), limited to `/sso/`, for ten minutes.
struct SSOFlowCookie: Sendable {
    struct Flow: Sendable, Equatable {
        var provider: String
        var attempt: OIDCRelyingParty.Attempt
        /// A path of this server.
        var returnTo: String
        var expiresAt: Date
    }

    let seal: SecretSeal
    let secure: Bool
    static let lifetime: TimeInterval = 600

    var name: String { secure ? "__Secure-gatehouse_sso" : "gatehouse_sso" }

    /// `Set-Cookie` carrying a flow.
    /// - Parameter prefix: the path prefix a trusted proxy serves Gatehouse under (the cookie's
    ///   path is `<prefix>/sso/`, where the browser will send the callback).
    func setting(_ flow: Flow, prefix: String = "") -> String {
        let value: JSONValue = [
            "p": .string(flow.provider), "s": .string(flow.attempt.state), "n": .string(flow.attempt.nonce), "v": .string(flow.attempt.verifier),
            "r": .string(flow.returnTo), "e": .number(flow.expiresAt.timeIntervalSince1970.rounded()),
        ]
        // `v1:` and base64: characters a cookie value may hold as they are.
        return cookie(seal.seal(JSONCoding.encodeString(value)), seconds: Int(Self.lifetime), prefix: prefix)
    }

    /// `Set-Cookie` that makes the browser forget it.
    func clearing(prefix: String = "") -> String { cookie("", seconds: 0, prefix: prefix) }

    /// The request's flow, when it carries one this server sealed and it has not expired.
    func flow(in headers: HTTPFields, now: Date) -> Flow? {
        guard let value = Cookies(from: headers[values: .cookie])[name]?.value, value.utf8.count <= 4096, let text = seal.open(value),
            let json = try? JSONCoding.decode(Array(text.utf8)), let provider = json["p"]?.stringValue, let state = json["s"]?.stringValue,
            let nonce = json["n"]?.stringValue, let verifier = json["v"]?.stringValue, let returnTo = json["r"]?.stringValue,
            let expiry = json["e"]?.doubleValue, now.timeIntervalSince1970 < expiry
        else { return nil }
        return Flow(
            provider: provider, attempt: .init(state: state, nonce: nonce, verifier: verifier), returnTo: returnTo,
            expiresAt: Date(timeIntervalSince1970: expiry))
    }

    private func cookie(_ value: String, seconds: Int, prefix: String) -> String {
        Cookie(name: name, value: value, maxAge: seconds, path: prefix + "/sso/", secure: secure, httpOnly: true, sameSite: .lax).description
    }

    /// Where a sign-in may send the browser afterwards: a path of this server (not `//host`, not
    /// `/\host`, no control characters), else `/login`.
    static func localPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.hasPrefix("/\\"), candidate.utf8.count <= 2048,
            candidate.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" })
        else { return "/login" }
        return candidate
    }
}
