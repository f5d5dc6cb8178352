import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird

/// `/device`: where a signed-in person approves (or denies) a device's sign-in by its user code
/// (RFC 8628 §3.3). A plain page of its own: no script, no style, nothing from elsewhere; every
/// value shown is escaped; the approval is a same-site POST with the session's CSRF token; wrong
/// codes count towards the person's lockout like wrong passwords.
struct DevicePage: Sendable {
    /// The sign-in the page offers (the same as `/login`, on whichever listener serves the page).
    let signIn: SessionRoutes
    var sessions: BrowserSessions { signIn.sessions }
    var store: IdentityStore { signIn.store }
    var recorder: AuthenticationRecorder { signIn.recorder }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/device") { request, context in await self.show(request, prefix: context.forwardedPrefix ?? "") }
        router.post("/device") { request, context in await self.decide(request, context) }
        router.post("/device/login") { request, context in
            try await self.signIn.loginReturning(request, context) { form in
                (context.forwardedPrefix ?? "") + "/device"
                    + (form?["user_code"].flatMap(UserCode.normalized).map { "?user_code=" + UserCode.display($0) } ?? "")
            }
        }
    }

    /// - Parameter prefix: the path prefix a trusted proxy serves Gatehouse under (links and
    ///   forms are relative to it).
    func show(_ request: Request, prefix: String) async -> Response {
        let query = request.uri.queryParameters
        let code = query.get("user_code").flatMap(UserCode.normalized).map(UserCode.display) ?? ""
        guard let (token, principal) = await sessions.signedIn(request), let userID = principal.userID else {
            return HTML.signInPage(
                "Sign in to approve a device", action: "device/login", hidden: [("user_code", code)], failed: query.get("failed"),
                providers: signIn.providers, returnTo: "/device" + (code.isEmpty ? "" : "?user_code=" + code), prefix: prefix)
        }
        return HTML.page(
            "Approve a device",
            """
            <p>Signed in as <strong>\(HTML.escape(userID))</strong>. Enter the code your device shows. Approve only a sign-in you started:
            the device will act as you, with your models, limits and budget.</p>
            <form method="post" action="device">
            <input type="hidden" name="csrf_token" value="\(HTML.escape(token.csrfToken))">
            <p><label>Code <input name="user_code" value="\(HTML.escape(code))" autocomplete="off" required></label></p>
            <p><button type="submit" name="action" value="approve">Approve</button> <button type="submit" name="action" value="deny">Deny</button></p>
            </form>
            """, prefix: prefix)
    }

    func decide(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let address = context.clientAddress
        let prefix = context.forwardedPrefix ?? ""
        let posted: PersonForm
        switch await PersonForm.read(request, sessions: sessions, again: "<a href=\"device\">Start again</a>.", prefix: prefix) {
        case .refused(let response): return response
        case .form(let read): posted = read
        }
        let (form, principal, userID) = (posted.form, posted.principal, posted.userID)
        let approve = form["action"] == "approve"
        let pair = Lockouts.credential("device:" + userID, at: address)
        if let wait = recorder.takeAttempt(pair: pair, address: address) {
            return HTML.page(
                "Too many attempts", "<p>Too many wrong codes; retry in \(Int(wait.rounded(.up))) seconds.</p>", status: .tooManyRequests,
                prefix: prefix)
        }
        let now = Date()
        guard let code = form["user_code"].flatMap(UserCode.normalized), let device = try? await store.people.device(userCode: code),
            device.status == .pending, device.expiresAt > now,
            (try? await store.people.decide(id: device.id, approved: approve, userID: userID, at: now)) == true
        else {
            recorder.failedSecret(method: .session, object: .user(userID), pair: pair, reason: "Unknown or expired device code.", address: address)
            return HTML.page(
                "Unknown code", "<p>No sign-in is waiting for that code (it may have expired). <a href=\"device\">Try again</a>.</p>",
                status: .badRequest, prefix: prefix)
        }
        recorder.lockouts.credentials.recordSuccess(pair)
        recorder.metrics.personFlow("device", approve ? "approved" : "denied")
        recorder.audit.record(
            AuditEvent(
                action: approve ? .deviceApprove : .deviceDeny, actor: principal.id, about: .user(userID), outcome: .success, address: address,
                details: ["client_id": .string(device.clientID)]))
        return approve
            ? HTML.page("Device approved", "<p>The device is signed in as you. You may close this page.</p>", prefix: prefix)
            : HTML.page("Device denied", "<p>The sign-in was denied.</p>", prefix: prefix)
    }
}
