import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The console's pages: one layout (the top bar with the sections the signed-in person may
/// open, who they are, sign-out), and the headers every page sends — a Content-Security-Policy
/// that allows only this server's own script and style (no inline ones, no frames), no MIME
/// sniffing, no referrer beyond this origin, and no caching, since pages may show secrets.
enum ConsoleLayout {
    enum Section: String, CaseIterable {
        case overview = "Overview"
        case keys = "Keys"
        case teams = "Teams"
        case organizations = "Organizations"
        case models = "Models"
        case spend = "Spend"
        case users = "Users"
        case audit = "Audit trail"
        case security = "Security"
        case account = "My account"

        var path: String {
            switch self {
            case .overview: "ui"
            case .keys: "ui/keys"
            case .teams: "ui/teams"
            case .organizations: "ui/organizations"
            case .models: "ui/models"
            case .spend: "ui/spend"
            case .users: "ui/users"
            case .audit: "ui/audit"
            case .security: "ui/security"
            case .account: "ui/account"
            }
        }

        /// Whether the section is offered: users and the audit trail are for those who read everything.
        func offered(to caller: ManagementCaller) -> Bool {
            switch self {
            case .users, .audit, .security: caller.readsEverything
            default: true
            }
        }
    }

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; frame-ancestors 'none'; "
        + "form-action 'self'; base-uri 'self'"

    /// A whole page. `body` is HTML: every value in it must have been escaped (`HTML.escape`).
    static func page(
        _ title: String, section: Section?, viewer: ConsoleViewer, body: String, flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let nav = Section.allCases.filter { $0.offered(to: viewer.caller) }.map { item in
            "<a href=\"\(item.path)\"\(item == section ? " aria-current=\"page\"" : "")>\(item.rawValue)</a>"
        }.joined()
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) — Gatehouse</title><base href="\(HTML.escape(viewer.prefix))/">
            <link rel="stylesheet" href="\(ConsoleAssets.stylesheet.path)"><script src="\(ConsoleAssets.script.path)" defer></script></head>
            <body><header class="top"><a class="brand" href="ui">Gatehouse</a><nav aria-label="Sections">\(nav)</nav>
            <div class="who"><span>\(HTML.escape(viewer.name)) · \(HTML.escape(viewer.principal.role.rawValue))</span>
            <form method="post" action="ui/sign-out">\(HTML.hidden("csrf_token", viewer.csrf))<button type="submit">Sign out</button></form></div>
            </header>
            <main><h1>\(HTML.escape(title))</h1>\(flash?.html ?? "")\(body)</main></body></html>
            """
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        return headers
    }

    /// A message at the top of a page: what was just done, or what failed.
    struct Flash {
        let text: String
        let isError: Bool

        var html: String { "<div class=\"flash\(isError ? " error" : "")\" role=\"status\">\(HTML.escape(text))</div>" }
    }
}

/// The person a console page is for: signed in with a session.
struct ConsoleViewer: Sendable {
    let principal: Principal
    let token: SessionToken
    let caller: ManagementCaller
    /// The path prefix a trusted proxy serves Gatehouse under ("" when none): the pages' base, and
    /// the start of every redirect.
    let prefix: String
    var csrf: String { token.csrfToken }
    var name: String { principal.userID ?? MasterSignIn.shownUser }

    /// Back to a page after a change, saying what was done (`done` names a fixed message).
    func back(to path: String, done: String) -> Response {
        Response(status: .seeOther, headers: [.location: prefix + path + "?done=" + done, .cacheControl: "no-store"])
    }
}
