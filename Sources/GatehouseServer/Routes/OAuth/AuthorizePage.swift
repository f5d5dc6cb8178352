import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird

/// `/oauth/authorize`: the authorization code grant (RFC 6749 §4.1, with the Security BCP,
/// RFC 9700) for registered clients — a signed-in person sees which application asks to act as
/// them, with which scopes, and approves or denies; the answer goes to the application's
/// registered redirect URI (exactly; a loopback URI on any port, RFC 8252) with its `state`.
/// PKCE (S256 only) is required of public clients; codes last a minute and are used once.
struct AuthorizePage: Sendable {
    let signIn: SessionRoutes
    var sessions: BrowserSessions { signIn.sessions }
    var store: IdentityStore { signIn.store }
    var recorder: AuthenticationRecorder { signIn.recorder }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/oauth/authorize") { request, context in await self.show(request, prefix: context.forwardedPrefix ?? "") }
        router.post("/oauth/authorize") { request, context in await self.decide(request, context) }
        router.post("/oauth/authorize/login") { request, context in
            try await self.signIn.loginReturning(request, context) { form in (context.forwardedPrefix ?? "") + Self.returnPath(form?["return"]) }
        }
    }

    /// What an application asks, checked.
    struct Ask {
        let client: OAuthClient
        let redirectURI: String
        let scope: String
        let state: String
        let challenge: String?
    }

    enum Checked {
        case ask(Ask)
        /// An answer for the person's browser: the application cannot be trusted with it.
        case refused(Response)
    }

    /// Checks a request's parameters. Until the client and its redirect URI are known good, an
    /// error is a page here (never a redirect to an unregistered address); after, it goes to the
    /// application as RFC 6749 §4.1.2.1 says.
    func check(_ parameter: (String) -> String?) async -> Checked {
        guard let clientID = parameter("client_id"), let client = try? await store.oauth.client(id: clientID), !client.blocked,
            client.grantTypes.contains(OAuthClient.Grant.authorizationCode)
        else {
            return .refused(HTML.page("Unknown application", "<p>No application may sign in here with that client id.</p>", status: .badRequest))
        }
        let redirect: String
        if let given = parameter("redirect_uri") {
            guard RedirectURI.matches(registered: client.redirectURIs, presented: given) else {
                return .refused(
                    HTML.page(
                        "Unknown address", "<p>The application asked to be answered at an address it did not register.</p>", status: .badRequest))
            }
            redirect = given
        } else {
            guard client.redirectURIs.count == 1 else {
                return .refused(HTML.page("Unknown address", "<p>The application did not say where to answer.</p>", status: .badRequest))
            }
            redirect = client.redirectURIs[0]
        }
        let state = parameter("state")
        func fail(_ error: String, _ description: String) -> Checked {
            .refused(Self.redirect(to: redirect, [("error", error), ("error_description", description), ("state", state)]))
        }
        guard parameter("response_type") == "code" else { return fail("unsupported_response_type", "Only response_type=code is offered.") }
        guard let state, !state.isEmpty, state.utf8.count <= 1024 else { return fail("invalid_request", "`state` is required.") }
        let scope = parameter("scope") ?? ""
        guard scope.utf8.count <= 1024 else { return fail("invalid_scope", "The scope is too long.") }
        if !client.scopes.isEmpty, let extra = scope.split(separator: " ").first(where: { !client.scopes.contains(String($0)) }) {
            return fail("invalid_scope", "Scope `\(extra)` is not registered for this application.")
        }
        let challenge = parameter("code_challenge")
        if let challenge {
            guard parameter("code_challenge_method") == "S256", PKCE.isWellFormedChallenge(challenge) else {
                return fail("invalid_request", "PKCE needs code_challenge_method=S256 and a 43-character challenge.")
            }
        } else if client.isPublic {
            return fail("invalid_request", "A public application must send a PKCE code_challenge (S256).")
        }
        return .ask(Ask(client: client, redirectURI: redirect, scope: scope, state: state, challenge: challenge))
    }

    /// - Parameter prefix: the path prefix a trusted proxy serves Gatehouse under.
    func show(_ request: Request, prefix: String) async -> Response {
        let query = request.uri.queryParameters
        let ask: Ask
        switch await check({ query.get($0) }) {
        case .refused(let response): return response
        case .ask(let checked): ask = checked
        }
        guard let (token, principal) = await sessions.signedIn(request), let userID = principal.userID else {
            let back = "/oauth/authorize?" + (request.uri.query ?? "")
            return HTML.signInPage(
                "Sign in to continue to \(ask.client.name ?? ask.client.id)", action: "oauth/authorize/login", hidden: [("return", back)],
                failed: query.get("failed"), providers: signIn.providers, returnTo: back, prefix: prefix)
        }
        let fields = [
            ("client_id", ask.client.id), ("redirect_uri", ask.redirectURI), ("response_type", "code"), ("state", ask.state), ("scope", ask.scope),
            ("code_challenge", ask.challenge ?? ""), ("code_challenge_method", ask.challenge == nil ? "" : "S256"), ("csrf_token", token.csrfToken),
        ]
        let scopes = ask.scope.isEmpty ? "every scope it is registered for" : ask.scope.split(separator: " ").joined(separator: ", ")
        return HTML.page(
            "Allow \(ask.client.name ?? ask.client.id)?",
            """
            <p><strong>\(HTML.escape(ask.client.name ?? ask.client.id))</strong> (\(HTML.escape(ask.client.id))) asks to act as
            <strong>\(HTML.escape(userID))</strong> — with your models, limits and budget — for: \(HTML.escape(scopes)).</p>
            <p>You will be sent back to \(HTML.escape(URLComponents(string: ask.redirectURI)?.host ?? ask.redirectURI)).</p>
            <form method="post" action="oauth/authorize">\(fields.map { HTML.hidden($0.0, $0.1) }.joined())
            <p><button type="submit" name="action" value="approve">Allow</button> <button type="submit" name="action" value="deny">Deny</button></p>
            </form>
            """, prefix: prefix)
    }

    func decide(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let address = context.clientAddress
        let posted: PersonForm
        switch await PersonForm.read(
            request, sessions: sessions, again: "Go back to the application and start again.", prefix: context.forwardedPrefix ?? "")
        {
        case .refused(let response): return response
        case .form(let read): posted = read
        }
        let (form, principal, userID) = (posted.form, posted.principal, posted.userID)
        let ask: Ask
        switch await check({ name in form[name].flatMap { $0.isEmpty ? nil : $0 } }) {
        case .refused(let response): return response
        case .ask(let checked): ask = checked
        }
        let approved = form["action"] == "approve"
        recorder.metrics.personFlow("consent", approved ? "approved" : "denied")
        recorder.audit.record(
            AuditEvent(
                action: approved ? .consentApprove : .consentDeny, actor: principal.id, about: .user(userID), outcome: .success, address: address,
                details: ["client_id": .string(ask.client.id), "scope": .string(ask.scope)]))
        guard approved else { return Self.redirect(to: ask.redirectURI, [("error", "access_denied"), ("state", ask.state)]) }
        let secret = "ghc_" + RefreshToken.newSecret().dropFirst(4)
        let now = Date()
        do {
            try await store.people.insert(
                AuthorizationCode(
                    id: APIKeyFormat.hash(secret), clientID: ask.client.id, redirectURI: ask.redirectURI, userID: userID, scope: ask.scope,
                    codeChallenge: ask.challenge, expiresAt: now + AuthorizationCode.lifetime, createdAt: now))
        } catch {
            return Self.redirect(to: ask.redirectURI, [("error", "server_error"), ("state", ask.state)])
        }
        return Self.redirect(to: ask.redirectURI, [("code", secret), ("state", ask.state)])
    }

    /// 303 to the application's address with the answer in its query.
    static func redirect(to uri: String, _ parameters: [(String, String?)]) -> Response {
        let query = parameters.compactMap { name, value in value.map { "\(name)=\(FormEncoding.encode($0))" } }.joined(separator: "&")
        return Response(status: .seeOther, headers: [.location: uri + (uri.contains("?") ? "&" : "?") + query, .cacheControl: "no-store"])
    }

    /// Where the sign-in form goes back to: only this page, with the application's request.
    static func returnPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/oauth/authorize?"), text.utf8.count <= 8192,
            !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        else { return "/oauth/authorize" }
        return text
    }
}
