import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Hummingbird

/// `GET /login`: the sign-in page for people — a link to each single sign-on provider and the
/// password form (the same sign-in as `POST /login`, its lockout included). Signed in, it says
/// as whom, offers to sign out, and sends the browser on to `return_to` (a path of this server)
/// when one is given. A plain page until the console has its own.
struct LoginPage: Sendable {
    let signIn: SessionRoutes
    var sessions: BrowserSessions { signIn.sessions }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/login") { request, context in await self.show(request, prefix: context.forwardedPrefix ?? "") }
        router.post("/login/form") { request, context in
            try await self.signIn.loginReturning(request, context) { form in
                let back = SSOFlowCookie.localPath(form?["return_to"])
                return (context.forwardedPrefix ?? "") + (back == "/login" ? back : "/login?return_to=" + FormEncoding.encode(back))
            }
        }
        router.post("/login/logout") { request, context in await self.logout(request, context) }
    }

    /// - Parameter prefix: the path prefix a trusted proxy serves Gatehouse under.
    func show(_ request: Request, prefix: String) async -> Response {
        let query = request.uri.queryParameters
        let returnTo = SSOFlowCookie.localPath(query.get("return_to"))
        guard let (token, principal) = await sessions.signedIn(request) else {
            return HTML.signInPage(
                "Sign in", action: "login/form", hidden: [("return_to", returnTo)], failed: query.get("failed"), providers: signIn.providers,
                returnTo: returnTo, prefix: prefix)
        }
        if returnTo != "/login" { return Response(status: .seeOther, headers: [.location: prefix + returnTo, .cacheControl: "no-store"]) }
        let who = principal.userID.map { MasterSignIn.isReserved($0) ? MasterSignIn.shownUser : $0 } ?? MasterSignIn.shownUser
        return HTML.page(
            "Signed in",
            """
            <p>Signed in as <strong>\(HTML.escape(who))</strong> (\(HTML.escape(principal.role.rawValue))).</p>
            <form method="post" action="login/logout">\(HTML.hidden("csrf_token", token.csrfToken))
            <p><button type="submit">Sign out</button></p>
            </form>
            """, prefix: prefix)
    }

    func logout(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let posted: PersonForm
        switch await PersonForm.read(
            request, sessions: sessions, again: "<a href=\"login\">Sign in</a>.", masterAllowed: true, prefix: context.forwardedPrefix ?? "")
        {
        case .refused(let response): return response
        case .form(let read): posted = read
        }
        if let token = sessions.cookie.token(in: request.headers) { _ = try? await sessions.authenticator.end(token) }
        signIn.recorder.audit.record(
            AuditEvent(
                action: .authLogout, actor: posted.principal.id, object: posted.principal.userID.map { ObjectRef.user($0).description },
                outcome: .success,
                address: context.clientAddress))
        var response = HTML.page(
            "Signed out", "<p>You are signed out. <a href=\"login\">Sign in again</a>.</p>", prefix: context.forwardedPrefix ?? "")
        response.headers[.setCookie] = sessions.cookie.clearing
        return response
    }
}
