import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Hummingbird

/// The session cookie: `__Host-gatehouse_session` (`Secure`, `Path=/`, no `Domain`: only this
/// host over HTTPS may set or read it) or, over plain HTTP, `gatehouse_session`; `HttpOnly` and
/// `SameSite=Strict` either way, so scripts cannot read it and other sites' requests do not carry it.
struct SessionCookie: Sendable {
    let secure: Bool

    var name: String { secure ? "__Host-gatehouse_session" : "gatehouse_session" }

    /// The session token of the request's cookie, when it has ours.
    func token(in headers: HTTPFields) -> SessionToken? {
        Cookies(from: headers[values: .cookie])[name].map { SessionToken(secret: $0.value) }
    }

    /// `Set-Cookie` for a new session that lasts `seconds`.
    func setting(_ token: SessionToken, seconds: Int) -> String { cookie(token.secret, seconds: seconds).description }

    /// `Set-Cookie` that makes the browser forget it.
    var clearing: String { cookie("", seconds: 0).description }

    private func cookie(_ value: String, seconds: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: seconds, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

/// Requests a browser was made to send by another site: refused when they would act with a
/// session (RFC 6454 origins; Fetch Metadata's `Sec-Fetch-Site`).
enum CrossSiteCheck {
    /// Methods that change nothing, which need no CSRF token.
    static func isSafe(_ method: HTTPRequest.Method) -> Bool { method == .get || method == .head || method == .options }

    /// Why the request looks cross-site; nil when it does not (or the client is no browser and
    /// sends neither header).
    static func refusal(_ request: HTTPRequest) -> String? {
        if let site = request.headerFields[.secFetchSite], site != "same-origin", site != "none" {
            return "The request came from another site (Sec-Fetch-Site: \(site.prefix(20)))."
        }
        guard let origin = request.headerFields[.origin] else { return nil }
        guard let authority = request.authority, origin == "https://" + authority || origin == "http://" + authority else {
            return "The request's Origin is not this server."
        }
        return nil
    }

    /// Why a request acting with `token` is refused: cross-site, or without the session's CSRF token.
    static func refusal(_ request: HTTPRequest, session token: SessionToken) -> String? {
        guard !isSafe(request.method) else { return nil }
        if let reason = refusal(request) { return reason }
        guard let presented = request.headerFields[csrfHeader], token.acceptsCSRF(presented) else {
            return "A request made with a session needs the session's X-CSRF-Token header."
        }
        return nil
    }

    static let csrfHeader = HTTPField.Name("x-csrf-token")!
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("sec-fetch-site")!
}

/// Sessions as the authentication middleware and the session routes need them: where they are
/// checked and which cookie carries them.
struct BrowserSessions: Sendable {
    let authenticator: SessionAuthenticator
    let cookie: SessionCookie

    /// The request's session and its principal, if it has a valid one (for Gatehouse's own pages,
    /// which show a sign-in form to everyone else).
    func signedIn(_ request: Request) async -> (SessionToken, Principal)? {
        guard let token = cookie.token(in: request.headers), let principal = try? await authenticator.authenticate(token) else { return nil }
        return (token, principal)
    }
}
