import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird

/// Single sign-on with the configured OpenID Providers: `/sso/<name>/start` sends the browser to
/// the provider with a fresh `state`, `nonce` and PKCE challenge (kept in a sealed cookie);
/// `/sso/<name>/callback` takes the provider's answer, checks `state` against that cookie,
/// exchanges the code, checks the ID token in full, finds or creates the user, and starts the
/// same session a password sign-in does. Any failure is a plain page saying what failed, and no
/// session.
struct SSORoutes: Sendable {
    let providers: [String: OIDCRelyingParty]
    let flows: SSOFlowCookie
    let signIn: SessionRoutes
    let accounts: SSOAccounts
    /// This server's public base URL (`oauth_issuer`), for the default redirect URI.
    let base: String
    var sessions: BrowserSessions { signIn.sessions }
    var recorder: AuthenticationRecorder { signIn.recorder }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/sso/{provider}/start") { request, context in await self.start(request, context) }
        router.get("/sso/{provider}/callback") { request, context in await self.callback(request, context) }
    }

    func redirectURI(_ party: OIDCRelyingParty) -> String {
        party.settings.redirectURL ?? base + "/sso/" + party.settings.name + "/callback"
    }

    func start(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let prefix = context.forwardedPrefix ?? ""
        guard let party = context.parameters.get("provider").flatMap({ providers[$0] }) else { return Self.unknownProvider(prefix) }
        let attempt = OIDCRelyingParty.Attempt.generate()
        let location: String
        do {
            location = try await party.authorizationURL(for: attempt, redirectURI: redirectURI(party))
        } catch {
            return failed(error, provider: party.settings.name, address: context.clientAddress, prefix: prefix)
        }
        let flow = SSOFlowCookie.Flow(
            provider: party.settings.name, attempt: attempt, returnTo: SSOFlowCookie.localPath(request.uri.queryParameters.get("return_to")),
            expiresAt: Date() + SSOFlowCookie.lifetime)
        return Response(status: .found, headers: [.location: location, .setCookie: flows.setting(flow, prefix: prefix), .cacheControl: "no-store"])
    }

    func callback(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let prefix = context.forwardedPrefix ?? ""
        guard let party = context.parameters.get("provider").flatMap({ providers[$0] }) else { return Self.unknownProvider(prefix) }
        let name = party.settings.name
        let address = context.clientAddress
        if (try? recorder.refuseIfBlocked(address: address)) == nil {
            return HTML.page(
                "Too many attempts", "<p>Too many failed sign-ins from this address; retry later.</p>", status: .tooManyRequests, prefix: prefix)
        }
        let query = request.uri.queryParameters
        guard let flow = flows.flow(in: request.headers, now: Date()), flow.provider == name else {
            return failed(
                "This sign-in was not started in this browser, or took longer than ten minutes.", provider: name, address: address, prefix: prefix)
        }
        guard let state = query.get("state"), ConstantTime.equal(state, flow.attempt.state) else {
            return failed(
                "The provider's answer does not belong to this sign-in (its state differs).", provider: name, address: address, prefix: prefix)
        }
        if let error = query.get("error") {
            return failed(
                "The identity provider refused the sign-in (\(error.prefix(64))).", provider: name, address: address, status: .forbidden,
                prefix: prefix)
        }
        guard let code = query.get("code"), !code.isEmpty, code.utf8.count <= 4096 else {
            return failed("The identity provider's answer has no code.", provider: name, address: address, prefix: prefix)
        }
        let signed: SSOAccounts.Signed
        do {
            let person = try await party.signIn(code: code, attempt: flow.attempt, redirectURI: redirectURI(party))
            signed = try await accounts.signIn(person, provider: party.settings)
        } catch {
            return failed(error, provider: name, address: address, prefix: prefix)
        }
        return await startSession(signed, provider: name, returnTo: flow.returnTo, request: request, address: address, prefix: prefix)
    }

    /// The session, as a password sign-in starts it. The answer is a page that moves on by
    /// itself: the session cookie is `SameSite=Strict`, and a browser arriving from the
    /// provider's redirect would not send it along a further redirect.
    func startSession(
        _ signed: SSOAccounts.Signed, provider: String, returnTo: String, request: Request, address: String?, prefix: String
    ) async -> Response {
        let user = signed.user
        let started: (SessionToken, LoginSession)
        do {
            if let old = sessions.cookie.token(in: request.headers) { _ = try? await sessions.authenticator.end(old) }
            started = try await sessions.authenticator.start(userID: user.id, address: address)
        } catch {
            return failed("Sign-in is unavailable right now.", provider: provider, address: address, status: .serviceUnavailable, prefix: prefix)
        }
        var details: JSONValue = ["method": "sso", "provider": .string(provider)]
        if signed.created { details["created"] = true }
        if let before = signed.previousRole {
            details["role_before"] = .string(before.rawValue)
            details["role_after"] = .string(user.role.rawValue)
        }
        recorder.metrics.authenticated(.sso)
        recorder.metrics.personFlow("sso", "signed_in")
        recorder.audit.record(
            AuditEvent(
                action: .authLogin, actor: ObjectRef.user(user.id).description, about: .user(user.id), outcome: .success, address: address,
                details: details))
        let target = HTML.escape(prefix + returnTo)
        var response = HTML.page(
            "Signed in", "<p>Signed in as <strong>\(HTML.escape(user.id))</strong>. <a href=\"\(target)\">Continue</a>.</p>",
            head: "<meta http-equiv=\"refresh\" content=\"0;url=\(target)\">", prefix: prefix)
        response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie.setting(started.0, seconds: Int(sessions.authenticator.lifetime))))
        response.headers.append(HTTPField(name: .setCookie, value: flows.clearing(prefix: prefix)))
        return response
    }

    func failed(_ error: any Error, provider: String, address: String?, prefix: String) -> Response {
        switch error {
        case let failure as OIDCRelyingParty.Failure:
            return failed(
                failure.reason, provider: provider, address: address, status: failure.kind == .providerUnreachable ? .badGateway : .forbidden,
                prefix: prefix)
        case SSOAccounts.Refusal.noAccount:
            return failed(
                "You have no account on this gateway. Ask an administrator to create one.", provider: provider, address: address,
                status: .forbidden, prefix: prefix)
        case SSOAccounts.Refusal.unusableID:
            return failed(
                "The identity provider named a user this gateway cannot use.", provider: provider, address: address, status: .forbidden,
                prefix: prefix)
        default:
            return failed("Sign-in is unavailable right now.", provider: provider, address: address, status: .serviceUnavailable, prefix: prefix)
        }
    }

    /// A page saying what failed (fail closed: no session), audited and counted.
    func failed(_ reason: String, provider: String, address: String?, status: HTTPResponse.Status = .badRequest, prefix: String) -> Response {
        recorder.metrics.authenticationFailed(.sso, reason: "sso")
        recorder.metrics.personFlow("sso", "failed")
        recorder.audit.record(
            AuditEvent(
                action: .authLogin, actor: "anonymous", outcome: .failure, address: address,
                details: ["method": "sso", "provider": .string(provider), "reason": .string(reason)]))
        var response = HTML.page(
            "Sign-in failed", "<p>\(HTML.escape(reason))</p><p>No session was started. <a href=\"login\">Sign in again</a>.</p>", status: status,
            prefix: prefix)
        response.headers.append(HTTPField(name: .setCookie, value: flows.clearing(prefix: prefix)))
        return response
    }

    static func unknownProvider(_ prefix: String) -> Response {
        HTML.page(
            "Unknown sign-in", "<p>No identity provider of that name is configured. <a href=\"login\">Sign in</a>.</p>", status: .notFound,
            prefix: prefix)
    }
}
