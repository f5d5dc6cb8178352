import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird

/// Session login for people (the admin UI, a browser): `POST /login` with a username (user id
/// or email) and password starts a session in a cookie; `GET /session` tells the page who is
/// signed in and the CSRF token its changes must carry; `POST /session/password` changes the
/// user's own password; `POST /logout` ends the session.
struct SessionRoutes: Sendable {
    let sessions: BrowserSessions
    let passwords: PasswordHasher
    let store: IdentityStore
    let recorder: AuthenticationRecorder
    /// The single sign-on providers the sign-in pages offer.
    var providers: [SignInProvider] = []
    static let maxBodyBytes = 16 * 1024
    /// One answer for an unknown user and a wrong password (and no password set).
    static let wrongCredentials = GatewayError(
        status: 401, message: "Wrong username or password.", type: "authentication_error", code: "invalid_credentials")

    /// `/login`, which needs no credential.
    func registerLogin(on router: some RouterMethods<GatewayRequestContext>) {
        router.post("/login") { request, context in try await self.login(request, context) }
    }

    /// `/session` and `/logout`, behind authentication.
    func register(on router: some RouterMethods<AuthenticatedContext>) {
        router.get("/session") { request, context in try await self.current(request, context) }
        router.post("/logout") { request, context in try await self.logout(request, context) }
        router.post("/session/password") { request, context in try await self.changePassword(request, context) }
    }

    func login(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let address = context.clientAddress
        if let reason = CrossSiteCheck.refusal(request.head) {
            recorder.audit.record(
                AuditEvent(action: .authCrossSite, actor: "anonymous", outcome: .denied, address: address, details: ["reason": .string(reason)]))
            throw GatewayError.forbidden(reason)
        }
        let (username, password, _) = try await Self.credentials(request)
        return try await login(username, password, request: request, address: address)
    }

    /// The sign-in form of one of Gatehouse's pages (`/device/login`, `/oauth/authorize/login`):
    /// the same sign-in, answered by going back to the page (`target`, one of its own paths),
    /// signed in or told what failed (`failed=1`, or `failed=locked`).
    func loginReturning(_ request: Request, _ context: GatewayRequestContext, to target: (FormBody?) -> String) async throws -> Response {
        if let reason = CrossSiteCheck.refusal(request.head) { throw GatewayError.forbidden(reason) }
        let (username, password, form) = try await Self.credentials(request)
        let back = target(form)
        do {
            var response = try await login(username, password, request: request, address: context.clientAddress)
            response.status = .seeOther
            response.headers[.location] = back
            return response
        } catch let error as GatewayError {
            let failed = (back.contains("?") ? "&" : "?") + "failed=" + (error.status == 429 ? "locked" : "1")
            return Response(status: .seeOther, headers: [.location: back + failed])
        }
    }

    func login(_ username: String, _ password: String, request: Request, address: String?) async throws -> Response {
        try recorder.refuseIfBlocked(address: address)
        let user: User?
        let hash: String?
        do {
            user = try await store.directory.user(named: username)
            // Looked up for unknown users too, so that both take the same path.
            hash = try await store.logins.passwordHash(userID: user?.id ?? username)
        } catch {
            throw GatewayError.unavailable("Sign-in is unavailable right now.")
        }
        // By the user, however named (id or email); by the name typed when there is no such user.
        let pair = Lockouts.credential("login:" + (user?.id ?? String(username.lowercased().prefix(200))), at: address)
        try takeAttempt(pair, address: address)
        if username == MasterSignIn.username, let master = sessions.authenticator.master, master.matches(password) {
            return try await signInMaster(master, pair: pair, request: request, address: address)
        }
        guard await passwords.verify(password, hash: hash), let user else {
            recorder.failedSecret(
                method: .password, object: user.map { .user($0.id) }, pair: pair, reason: Self.wrongCredentials.message, address: address)
            throw Self.wrongCredentials
        }
        recorder.lockouts.credentials.recordSuccess(pair)
        // A new session id at every sign-in: a session the browser already held ends here.
        if let old = sessions.cookie.token(in: request.headers) { _ = try? await sessions.authenticator.end(old) }
        let (token, session) = try await sessions.authenticator.start(userID: user.id, address: address)
        recorder.metrics.authenticated(.password)
        recorder.audit.record(
            AuditEvent(action: .authLogin, actor: ObjectRef.user(user.id).description, about: .user(user.id), outcome: .success, address: address))
        return started(session, role: user.role, token: token)
    }

    /// The master key signing in as the proxy admin (LiteLLM's `admin` sign-in).
    func signInMaster(_ master: MasterSignIn, pair: String, request: Request, address: String?) async throws -> Response {
        recorder.lockouts.credentials.recordSuccess(pair)
        if let old = sessions.cookie.token(in: request.headers) { _ = try? await sessions.authenticator.end(old) }
        let (token, session) = try await sessions.authenticator.start(userID: master.sessionUserID, address: address)
        recorder.metrics.authenticated(.password)
        recorder.audit.record(
            AuditEvent(action: .authLogin, actor: Principal.master.id, outcome: .success, address: address, details: ["as": "master_key"]))
        return started(session, role: .proxyAdmin, token: token)
    }

    func current(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let (token, session, principal) = try await sessionOf(request, context)
        return Response.json(Self.describe(session, role: principal.role, token: token), headers: [.cacheControl: "no-store"])
    }

    func logout(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let (token, _, principal) = try await sessionOf(request, context)
        _ = try await sessions.authenticator.end(token)
        recorder.audit.record(
            AuditEvent(
                action: .authLogout, actor: principal.id, object: principal.userID.map { ObjectRef.user($0).description }, outcome: .success,
                address: context.clientAddress))
        return Response.json(["logged_out": true], headers: [.setCookie: sessions.cookie.clearing, .cacheControl: "no-store"])
    }

    /// A signed-in user changes their own password, proving the current one: every session of
    /// theirs ends but a new one for this browser, which the answer sets.
    func changePassword(_ request: Request, _ context: AuthenticatedContext) async throws -> Response {
        let (_, _, principal) = try await sessionOf(request, context)
        guard let userID = principal.userID else { throw GatewayError.invalidRequest("This session has no user.") }
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        guard let json = try? JSONCoding.decode(body.readableBytesView), let current = json["current_password"]?.stringValue,
            let new = json["new_password"]?.stringValue
        else {
            throw GatewayError.invalidRequest("The body must be JSON with `current_password` and `new_password`.")
        }
        let (token, session) = try await changePassword(of: principal, userID: userID, current: current, new: new, address: context.clientAddress)
        return started(session, role: principal.role, token: token)
    }

    /// A user changes their own password, proving the current one (counted towards lockout like
    /// a sign-in): every session they had ends, and this browser gets a new one.
    func changePassword(
        of principal: Principal, userID: String, current: String, new: String, address: String?
    ) async throws
        -> (SessionToken, LoginSession)
    {
        try PasswordHasher.check(new)
        let pair = Lockouts.credential("login:" + userID, at: address)
        try takeAttempt(pair, address: address)
        guard await passwords.verify(current, hash: try await store.logins.passwordHash(userID: userID)) else {
            recorder.failedSecret(method: .password, object: .user(userID), pair: pair, reason: "The current password is wrong.", address: address)
            throw GatewayError(status: 403, message: "The current password is wrong.", type: "permission_error", code: "invalid_credentials")
        }
        recorder.lockouts.credentials.recordSuccess(pair)
        try await store.logins.setPasswordHash(try await passwords.hash(new), userID: userID)
        let started = try await sessions.authenticator.start(userID: userID, address: address)
        recorder.audit.record(AuditEvent(action: .authPasswordChange, actor: principal.id, about: .user(userID), outcome: .success, address: address))
        return started
    }

    /// 429 while this user is blocked at this address (or the address is); else takes one
    /// attempt for the pair before the password is checked.
    func takeAttempt(_ pair: String, address: String?) throws {
        guard let wait = recorder.takeAttempt(pair: pair, address: address) else { return }
        throw Lockouts.refusal(retryAfter: wait, "Too many failed sign-ins for this user from this address; retry later.")
    }

    /// The answer that hands a browser a new session: who, until when, its CSRF token, the cookie.
    func started(_ session: LoginSession, role: Principal.Role, token: SessionToken) -> Response {
        var headers = HTTPFields()
        headers[.setCookie] = sessions.cookie.setting(token, seconds: Int(saturating: sessions.authenticator.lifetime))
        headers[.cacheControl] = "no-store"
        return Response.json(Self.describe(session, role: role, token: token), headers: headers)
    }

    /// The request's session (the authentication middleware has checked it and its CSRF token).
    func sessionOf(_ request: Request, _ context: AuthenticatedContext) async throws -> (SessionToken, LoginSession, Principal) {
        let principal = context.principal
        guard principal.method == .session, let token = sessions.cookie.token(in: request.headers),
            let session = try await sessions.authenticator.session(token)
        else {
            throw GatewayError.invalidRequest("This request was not made with a session; sign in at /login.")
        }
        return (token, session, principal)
    }

    static func describe(_ session: LoginSession, role: Principal.Role, token: SessionToken) -> JSONValue {
        [
            "user_id": .string(MasterSignIn.isReserved(session.userID) ? MasterSignIn.shownUser : session.userID),
            "user_role": .string(role.rawValue),
            "expires_at": .string(ISO8601DateFormatter().string(from: session.expiresAt)), "csrf_token": .string(token.csrfToken),
        ]
    }

    /// `username` and `password` from a JSON object or a form (returned too, for its other fields).
    static func credentials(_ request: Request) async throws -> (String, String, FormBody?) {
        let bytes = try await request.body.collect(upTo: maxBodyBytes)
        let username: String?
        let password: String?
        var form: FormBody?
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            form = FormBody(bytes.readableBytesView)
            guard let form else { throw GatewayError.invalidRequest("The body is not a valid form.") }
            (username, password) = (form["username"], form["password"])
        } else {
            guard let json = try? JSONCoding.decode(bytes.readableBytesView) else {
                throw GatewayError.invalidRequest("The body must be JSON (or a form) with `username` and `password`.")
            }
            (username, password) = (json["username"]?.stringValue, json["password"]?.stringValue)
        }
        guard let username, !username.isEmpty else { throw GatewayError.invalidRequest("`username` is required.", param: "username") }
        // No stored name holds one (PostgreSQL text cannot): refused before the store is asked.
        guard !username.utf8.contains(0) else {
            throw GatewayError.invalidRequest("`username` may not contain a NUL character.", param: "username")
        }
        guard let password, !password.isEmpty else { throw GatewayError.invalidRequest("`password` is required.", param: "password") }
        return (username, password, form)
    }
}
