import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird

/// The admin console at `/ui`: server-rendered pages over the same operations as the management
/// API (`KeyRoutes`, …) with the same reach checks and the same audit records (marked
/// `via: console`). A page never decides what a person may do; it only hides what the
/// operations would refuse. Signed in with a session (`/login`, single sign-on); every change
/// is a same-site POST carrying the session's CSRF token.
struct Console: Sendable {
    let management: Management
    let sessions: BrowserSessions
    /// Where signing out goes through (the sign-in page's own sign-out).
    let signIn: SessionRoutes
    let audit: Audit
    /// This gateway's public URL (`oauth_issuer`), for the setup the account page shows.
    let publicURL: String
    let lockouts: Lockouts
    let signingKeys: SigningKeyRing
    /// Where the authentication health view reads attempts and key-set freshness.
    let metrics: GatewayMetrics
    let issuerKeys: [JWTIssuerKeys]
    /// The listeners' TLS (whose certificate files the security page reads) and the client
    /// certificates seen in handshakes.
    let listenerTLS: [(name: String, tls: TLSSettings?)]
    let handshakes: ClientCertificates?
    /// Whose sessions may be used from where (`admin_session_allowed_ips`).
    let authentication: Authentication
    var limitsPanel: LimitsPanel {
        LimitsPanel(spend: management.spend, cache: management.cache, keys: KeyLookup(cache: management.cache, store: management.keys))
    }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        let keys = KeysPage(console: self)
        router.get("/") { request, context in
            // A browser opening the gateway lands in the console; an API client gets JSON.
            guard request.headers[.accept]?.contains("text/html") == true else {
                throw GatewayError(status: 404, message: "Not found. The console is at /ui.", type: "invalid_request_error", code: "not_found")
            }
            return Response(status: .seeOther, headers: [.location: (context.forwardedPrefix ?? "") + "/ui"])
        }
        router.get("/ui/assets/{name}") { _, context in
            guard let name = context.parameters.get("name"), let asset = ConsoleAssets.response(named: name) else {
                throw GatewayError(status: 404, message: "No such asset.", type: "invalid_request_error", code: "not_found")
            }
            return asset
        }
        router.get("/ui") { request, context in
            let range = request.uri.queryParameters.get("range").flatMap(OverviewPage.Range.init(rawValue:)) ?? .month
            return await self.page(request, context) { try await OverviewPage(console: self).show($0, range: range) }
        }
        router.get("/ui/keys") { request, context in await self.page(request, context) { try await keys.list(request, $0) } }
        router.get("/ui/keys/new") { request, context in await self.page(request, context) { try await keys.form($0) } }
        router.post("/ui/keys/new") { request, context in await self.form(request, context) { try await keys.create($0, $1, context) } }
        let edit = KeyEditPage(console: self)
        router.get("/ui/keys/{id}/edit") { request, context in
            await self.page(request, context) { try await edit.form(context.parameters.get("id") ?? "", $0) }
        }
        router.post("/ui/keys/{id}/edit") { request, context in
            await self.form(request, context) { try await edit.save(context.parameters.get("id") ?? "", $0, $1, context) }
        }
        router.post("/ui/keys/{id}/regenerate") { request, context in
            await self.form(request, context) { try await edit.regenerate(context.parameters.get("id") ?? "", $0, $1, context) }
        }
        for action in KeysPage.Action.allCases {
            router.post("/ui/keys/{id}/\(action.rawValue)") { request, context in
                await self.form(request, context) { viewer, form in
                    try await keys.act(action, on: context.parameters.get("id") ?? "", viewer, form, context)
                }
            }
        }
        let teams = TeamsPage(console: self)
        router.get("/ui/teams") { request, context in await self.page(request, context) { try await teams.list(request, $0) } }
        router.get("/ui/teams/new") { request, context in await self.page(request, context) { try await teams.form($0) } }
        router.post("/ui/teams/new") { request, context in await self.form(request, context) { try await teams.create($0, $1, context) } }
        router.get("/ui/teams/{id}") { request, context in
            await self.page(request, context) { try await teams.show(context.parameters.get("id") ?? "", request, $0) }
        }
        router.post("/ui/teams/{id}/add") { request, context in
            await self.form(request, context) { try await teams.member(true, team: context.parameters.get("id") ?? "", $0, $1, context) }
        }
        router.post("/ui/teams/{id}/remove") { request, context in
            await self.form(request, context) { try await teams.member(false, team: context.parameters.get("id") ?? "", $0, $1, context) }
        }
        router.post("/ui/teams/{id}/delete") { request, context in
            await self.form(request, context) { viewer, _ in try await teams.delete(team: context.parameters.get("id") ?? "", viewer, context) }
        }
        let users = UsersPage(console: self)
        router.get("/ui/users") { request, context in await self.page(request, context) { try await users.list(request, $0) } }
        router.get("/ui/users/new") { request, context in await self.page(request, context) { try await users.form($0) } }
        router.post("/ui/users/new") { request, context in await self.form(request, context) { try await users.create($0, $1, context) } }
        router.post("/ui/users/{id}/delete") { request, context in
            await self.form(request, context) { viewer, _ in try await users.delete(user: context.parameters.get("id") ?? "", viewer, context) }
        }
        router.get("/ui/users/{id}") { request, context in
            await self.page(request, context) { try await users.show(context.parameters.get("id") ?? "", request, $0) }
        }
        let organizations = OrganizationsPage(console: self)
        router.get("/ui/organizations") { request, context in await self.page(request, context) { try await organizations.list(request, $0) } }
        router.get("/ui/organizations/new") { request, context in await self.page(request, context) { try await organizations.form($0) } }
        router.post("/ui/organizations/new") { request, context in
            await self.form(request, context) { try await organizations.create($0, $1, context) }
        }
        router.get("/ui/organizations/{id}") { request, context in
            await self.page(request, context) { try await organizations.show(context.parameters.get("id") ?? "", request, $0) }
        }
        router.post("/ui/organizations/{id}/delete") { request, context in
            await self.form(request, context) { viewer, _ in try await organizations.delete(context.parameters.get("id") ?? "", viewer, context) }
        }
        for kind in [LevelEditPage.Kind.team, .user, .organization] {
            let edit = LevelEditPage(console: self, kind: kind)
            router.get("\(kind.path)/{id}/edit") { request, context in
                await self.page(request, context) { try await edit.form(context.parameters.get("id") ?? "", $0) }
            }
            router.post("\(kind.path)/{id}/edit") { request, context in
                await self.form(request, context) { try await edit.save(context.parameters.get("id") ?? "", $0, $1, context) }
            }
        }
        router.get("/ui/requests") { request, context in await self.page(request, context) { try await RequestPage(console: self).show(request, $0) }
        }
        router.get("/ui/models") { request, context in await self.page(request, context) { try await ModelsPage(console: self).show($0) } }
        let trail = AuditPage(console: self, audit: audit)
        router.get("/ui/audit") { request, context in await self.page(request, context) { try await trail.show(request, $0) } }
        let security = SecurityPage(console: self, lockouts: lockouts, signingKeys: signingKeys)
        router.get("/ui/security") { request, context in await self.page(request, context) { try await security.show(request, $0) } }
        router.post("/ui/security/unlock") { request, context in await self.form(request, context) { try await security.unlock($0, $1, context) } }
        router.post("/ui/security/clients/new") { request, context in
            await self.form(request, context) { try await security.secret(new: true, $0, $1, context) }
        }
        router.post("/ui/security/clients/regenerate") { request, context in
            await self.form(request, context) { try await security.secret(new: false, $0, $1, context) }
        }
        router.post("/ui/security/clients/delete") { request, context in
            await self.form(request, context) { try await security.delete($0, $1, context) }
        }
        let spend = SpendPage(console: self)
        router.get("/ui/spend") { request, context in await self.page(request, context) { try await spend.show(request, $0) } }
        router.get("/ui/spend.csv") { request, context in await self.page(request, context) { try await spend.csv(request, $0) } }
        let account = AccountPage(console: self)
        router.get("/ui/account") { request, context in await self.page(request, context) { try await account.show($0, request: request) } }
        router.post("/ui/account/password") { request, context in
            await self.form(request, context) { try await account.changePassword($0, $1, context) }
        }
        router.post("/ui/account/sessions/end") { request, context in
            await self.form(request, context) { viewer, _ in try await account.endOtherSessions(viewer, context) }
        }
        router.post("/ui/sign-out") { request, context in await LoginPage(signIn: signIn).logout(request, context) }
    }

    /// A page for a signed-in person; anyone else is sent to sign in and brought back.
    func page(_ request: Request, _ context: GatewayRequestContext, _ render: (ConsoleViewer) async throws -> Response) async -> Response {
        guard let viewer = await viewer(request, context) else { return signInFirst(request, context) }
        if let refused = refusedAddress(viewer, context) { return refused }
        do {
            return try await render(viewer)
        } catch {
            return failure(error, viewer: viewer)
        }
    }

    /// A posted form, checked (same site, the session's CSRF token) before `act` sees it.
    func form(
        _ request: Request, _ context: GatewayRequestContext, _ act: (ConsoleViewer, FormBody) async throws -> Response
    ) async -> Response {
        let posted: PersonForm
        switch await PersonForm.read(
            request, sessions: sessions, again: "<a href=\"ui\">Back to the console</a>.", masterAllowed: true,
            prefix: context.forwardedPrefix ?? "")
        {
        case .refused(let response): return response
        case .form(let read): posted = read
        }
        // The session was looked up once, with the form's CSRF token.
        guard let viewer = await viewer(posted.token, posted.principal, context) else { return signInFirst(request, context) }
        if let refused = refusedAddress(viewer, context) { return refused }
        do {
            return try await act(viewer, posted.form)
        } catch {
            if let refusal = error as? GatewayError, refusal.status == 403 {
                management.trail.record(
                    AuditEvent(
                        action: "console", actor: viewer.principal.id, outcome: .denied, address: context.clientAddress,
                        details: ["reason": .string(refusal.message), "path": .string(request.uri.path)]))
            }
            return failure(error, viewer: viewer)
        }
    }

    func viewer(_ request: Request, _ context: GatewayRequestContext) async -> ConsoleViewer? {
        guard let (token, principal) = await sessions.signedIn(request) else { return nil }
        return await viewer(token, principal, context)
    }

    func viewer(_ token: SessionToken, _ principal: Principal, _ context: GatewayRequestContext) async -> ConsoleViewer? {
        guard let caller = try? await management.caller(principal) else { return nil }
        return ConsoleViewer(principal: principal, token: token, caller: caller, prefix: context.forwardedPrefix ?? "")
    }

    /// A proxy admin's or viewer's session from outside `admin_session_allowed_ips`: refused
    /// (audited) on every page and form, with a way to sign out.
    func refusedAddress(_ viewer: ConsoleViewer, _ context: GatewayRequestContext) -> Response? {
        guard !authentication.mayUseAdminSession(viewer.principal, from: context.clientAddress) else { return nil }
        audit.record(
            AuditEvent(
                action: .networkDenied, actor: viewer.principal.id, outcome: .denied, address: context.clientAddress,
                details: ["scope": "admin_session", "via": "console"]))
        return failure(Authentication.adminSessionRefusal, viewer: viewer)
    }

    /// To the sign-in page, which brings the browser back here (a path without the proxy's prefix).
    func signInFirst(_ request: Request, _ context: GatewayRequestContext) -> Response {
        let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let location = (context.forwardedPrefix ?? "") + "/login?return_to=" + FormEncoding.encode(here)
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// What an operation refused, said on a page of the console.
    func failure(_ error: any Error, viewer: ConsoleViewer) -> Response {
        let refusal = error as? GatewayError ?? GatewayError.unavailable("The console could not do that right now.")
        return ConsoleLayout.page(
            "Not done", section: nil, viewer: viewer,
            body: "<p><a href=\"ui\">Back to the overview</a></p>", flash: .init(text: refusal.message, isError: true),
            status: HTTPResponse.Status(code: refusal.status))
    }
}
