import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Gatehouse's own plain pages (`/device`, `/oauth/authorize`): no script, no style, nothing
/// from elsewhere, every value escaped.
enum HTML {
    /// A whole page with the headers every page of Gatehouse sends: nothing but itself may load,
    /// frame it or read its referrer, and nothing caches it. (`same-origin`, not `no-referrer`:
    /// under `no-referrer` a browser sends `Origin: null` with the page's own forms, which the
    /// cross-site check must refuse.)
    /// - Parameters:
    ///   - head: more of the head (HTML, already escaped).
    ///   - prefix: the path prefix a trusted proxy serves Gatehouse under: the page's base, against
    ///     which its relative links resolve.
    static func page(_ title: String, _ body: String, status: HTTPResponse.Status = .ok, head: String = "", prefix: String = "") -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — Gatehouse</title>\
            <base href="\(escape(prefix))/">\(head)</head>
            <body><h1>\(escape(title))</h1>\(body)</body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Text made safe to put in HTML, in element content and in quoted attribute values alike.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// The sign-in form of a page (posting to `action`, the same sign-in as `/login`), saying what
    /// failed last time (`failed`: `1` or `locked`), and a link to each single sign-on provider,
    /// which comes back to `returnTo`.
    static func signInPage(
        _ title: String, action: String, hidden: [(String, String)], failed: String?, providers: [SignInProvider] = [], returnTo: String,
        prefix: String = ""
    ) -> Response {
        let said = failed.map { $0 == "locked" ? "Too many failed sign-ins; retry later." : "Wrong username or password." }
        let links = providers.map { provider in
            let href = "sso/" + FormEncoding.encode(provider.name) + "/start?return_to=" + FormEncoding.encode(returnTo)
            return "<li><a href=\"\(escape(href))\">Sign in with \(escape(provider.displayName))</a></li>"
        }
        return page(
            title,
            (said.map { "<p><strong>\(escape($0))</strong></p>" } ?? "")
                + (links.isEmpty ? "" : "<ul>\(links.joined())</ul><p>Or with your Gatehouse password:</p>")
                    + """
                    <form method="post" action="\(escape(action))">\(hidden.map { self.hidden($0.0, $0.1) }.joined())
                    <p><label>Username or email <input name="username" autocomplete="username" required></label></p>
                    <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
                    <p><button type="submit">Sign in</button></p>
                    </form>
                    """, prefix: prefix)
    }

    /// A hidden form field.
    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
    }
}

/// A single sign-on provider as the sign-in pages offer it.
struct SignInProvider: Sendable {
    let name: String
    let displayName: String
}

/// A form a signed-in person posted from one of Gatehouse's pages, checked: same-site, readable,
/// its session valid and carrying that session's CSRF token.
struct PersonForm {
    let form: FormBody
    let principal: Principal
    let userID: String
    /// The session the form came with (its CSRF token checked).
    let token: SessionToken

    enum Posted {
        case form(PersonForm)
        case refused(Response)
    }

    /// - Parameters:
    ///   - again: how the person starts over (HTML), for a form that cannot be taken.
    ///   - masterAllowed: whether the master key's session (which has no user) may post it;
    ///     `userID` is then the principal's id.
    ///   - prefix: the path prefix a trusted proxy serves Gatehouse under (`again`'s links are
    ///     relative to it).
    static func read(
        _ request: Request, sessions: BrowserSessions, again: String, masterAllowed: Bool = false, prefix: String = ""
    ) async
        -> Posted
    {
        if let reason = CrossSiteCheck.refusal(request.head) {
            return .refused(HTML.page("Refused", "<p>\(HTML.escape(reason))</p>", status: .forbidden, prefix: prefix))
        }
        guard let bytes = try? await request.body.collect(upTo: 16 * 1024), let form = FormBody(bytes.readableBytesView) else {
            return .refused(HTML.page("Refused", "<p>The form could not be read.</p>", status: .badRequest, prefix: prefix))
        }
        guard let (token, principal) = await sessions.signedIn(request),
            let userID = principal.userID ?? (masterAllowed && principal.role == .proxyAdmin ? principal.id : nil)
        else {
            return .refused(HTML.page("Sign in first", "<p>Your session has ended. \(again)</p>", status: .unauthorized, prefix: prefix))
        }
        guard let csrf = form["csrf_token"], token.acceptsCSRF(csrf) else {
            return .refused(HTML.page("Refused", "<p>The form is stale. \(again)</p>", status: .forbidden, prefix: prefix))
        }
        return .form(PersonForm(form: form, principal: principal, userID: userID, token: token))
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("x-content-type-options")!
    static let referrerPolicy = HTTPField.Name("referrer-policy")!
}
