import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Hummingbird

/// The device authorization grant (RFC 8628) and refresh tokens, for the command line's public
/// client: `/oauth/device_authorization` hands out a device code and a user code; the person
/// approves the user code at `/device`; the device polls `/oauth/token` and gets tokens acting
/// as that person.
extension OAuthServerRoutes {
    /// How long a person has to approve, and how often the device may ask.
    static let deviceLifetime: TimeInterval = 600
    static let pollInterval = 5
    /// Pending authorizations past which new ones are refused (the endpoint needs no secret),
    /// and how many one address may start within a device code's lifetime.
    static let maxPendingDevices = 10_000
    static let deviceStartsPerAddress = 30

    var grants: PersonGrants {
        PersonGrants(tokens: tokens, store: store, cache: cache, feed: feed, settings: settings, audit: audit, metrics: metrics)
    }

    func deviceAuthorization(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        let form: FormBody
        let clientID: String
        switch await formAndClient(request, context) {
        case .refused(let response): return response
        case .authenticated(let body, let client), .publicClient(let body, let client):
            guard client.grantTypes.contains(OAuthClient.Grant.deviceCode) else {
                return OAuthResponse.error("unauthorized_client", "This client is not registered for the device code grant.")
            }
            (form, clientID) = (body, client.id)
        }
        guard (form["scope"] ?? "").utf8.count <= 1024 else { return OAuthResponse.error("invalid_scope", "The scope is too long.") }
        guard deviceStarts.take(context.clientAddress) else {
            return OAuthResponse.error(
                "slow_down", "Too many device sign-ins were started from this address; retry in a few minutes.", status: .tooManyRequests)
        }
        let now = Date()
        do {
            guard try await store.people.pruneDevices(at: now) < Self.maxPendingDevices else {
                return OAuthResponse.error("temporarily_unavailable", "Too many sign-ins are pending; retry later.", status: .serviceUnavailable)
            }
            let deviceCode = RefreshToken.newSecret().replacingOccurrences(of: "ghr_", with: "ghd_")
            var userCode = UserCode.generate()
            for attempt in 0..<3 {
                do {
                    try await store.people.insert(
                        DeviceAuthorization(
                            id: APIKeyFormat.hash(deviceCode), userCode: userCode, clientID: clientID, scope: form["scope"] ?? "",
                            interval: Self.pollInterval, expiresAt: now + Self.deviceLifetime, createdAt: now))
                    break
                } catch  where attempt < 2 {
                    userCode = UserCode.generate()  // taken: another
                }
            }
            let page = tokens.issuer + "/device"
            return OAuthResponse.json([
                "device_code": .string(deviceCode), "user_code": .string(UserCode.display(userCode)), "verification_uri": .string(page),
                "verification_uri_complete": .string(page + "?user_code=" + UserCode.display(userCode)),
                "expires_in": JSONValue(Int(Self.deviceLifetime)), "interval": JSONValue(Self.pollInterval),
            ])
        } catch {
            return OAuthResponse.error("server_error", "The sign-in could not be stored.", status: .serviceUnavailable)
        }
    }

    /// `/oauth/token` for a person's grants: a device code, an authorization code, or a refresh,
    /// each only for a client registered for it.
    func personToken(_ form: FormBody, client: OAuthClient, _ context: GatewayRequestContext) async -> Response {
        guard let grant = form["grant_type"] else { return OAuthResponse.error("invalid_request", "`grant_type` is required.") }
        guard client.grantTypes.contains(grant) else {
            return OAuthResponse.error("unauthorized_client", "This client is not registered for the `\(grant.prefix(100))` grant.")
        }
        do {
            switch grant {
            case OAuthClient.Grant.deviceCode: return try await pollDevice(form, clientID: client.id, context)
            case OAuthClient.Grant.authorizationCode: return try await exchangeCode(form, client: client, context)
            case OAuthClient.Grant.refreshToken:
                guard let presented = form["refresh_token"] else { return OAuthResponse.error("invalid_request", "`refresh_token` is required.") }
                switch try await grants.refresh(presented, clientID: client.id, address: context.clientAddress) {
                case .success(let answer): return OAuthResponse.json(answer)
                case .failure(.reused): return OAuthResponse.error("invalid_grant", "The refresh token was used before; its sign-in is revoked.")
                case .failure(.invalid): return OAuthResponse.error("invalid_grant", "The refresh token is not valid.")
                }
            default: return OAuthResponse.error("unauthorized_client", "A public client may not use the `\(grant.prefix(100))` grant.")
            }
        } catch {
            return OAuthResponse.error("server_error", "The token could not be issued.", status: .serviceUnavailable)
        }
    }

    /// RFC 6749 §4.1.3 with PKCE: the code once, to the client it was issued to, with the same
    /// redirect URI and the verifier of its challenge. A code presented again ends the grant its
    /// first exchange began.
    func exchangeCode(_ form: FormBody, client: OAuthClient, _ context: GatewayRequestContext) async throws -> Response {
        guard let presented = form["code"], let redirect = form["redirect_uri"] else {
            return OAuthResponse.error("invalid_request", "`code` and `redirect_uri` are required.")
        }
        let now = Date()
        guard let code = try await store.people.code(id: APIKeyFormat.hash(presented)), code.clientID == client.id else {
            return OAuthResponse.error("invalid_grant", "The code is not known.")
        }
        if code.usedAt != nil { return try await codeReused(code, context) }
        guard code.expiresAt > now else { return OAuthResponse.error("invalid_grant", "The code has expired.") }
        guard code.redirectURI == redirect else {
            return OAuthResponse.error("invalid_grant", "`redirect_uri` is not the one the code was issued to.")
        }
        if let challenge = code.codeChallenge {
            guard let verifier = form["code_verifier"], PKCE.isWellFormed(verifier), PKCE.challenge(of: verifier) == challenge else {
                return OAuthResponse.error("invalid_grant", "The PKCE verifier does not match the code's challenge.")
            }
        }
        let family = UUID().uuidString.lowercased()
        guard try await store.people.useCode(id: code.id, familyID: family, at: now) else {
            return try await codeReused(try await store.people.code(id: code.id) ?? code, context)
        }
        guard cache.role(ofUser: code.userID) != nil else { return OAuthResponse.error("invalid_grant", "The person is no longer known.") }
        return OAuthResponse.json(
            try await grants.issue(
                userID: code.userID, clientID: client.id, scope: code.scope, familyID: family, grant: OAuthClient.Grant.authorizationCode,
                address: context.clientAddress))
    }

    func codeReused(_ code: AuthorizationCode, _ context: GatewayRequestContext) async throws -> Response {
        if let family = code.familyID {
            try await grants.revokeFamily(family)
            metrics.personFlow("reuse", "authorization_code")
            audit.record(
                AuditEvent(
                    action: .tokenReuse, actor: ObjectRef.user(code.userID).description, about: .user(code.userID), outcome: .denied,
                    address: context.clientAddress,
                    details: ["family": .string(family), "client_id": .string(code.clientID), "grant": "authorization_code"]))
        }
        return OAuthResponse.error("invalid_grant", "The code was used before; what it issued is revoked.")
    }

    /// RFC 8628 §3.5: pending, slow down, denied, expired, or the tokens (once).
    func pollDevice(_ form: FormBody, clientID: String, _ context: GatewayRequestContext) async throws -> Response {
        guard let code = form["device_code"] else { return OAuthResponse.error("invalid_request", "`device_code` is required.") }
        let now = Date()
        guard let device = try await store.people.device(id: APIKeyFormat.hash(code)), device.clientID == clientID else {
            return OAuthResponse.error("invalid_grant", "The device code is not known.")
        }
        guard device.expiresAt > now else { return OAuthResponse.error("expired_token", "The device code has expired; start again.") }
        if let last = device.lastPolledAt, now.timeIntervalSince(last) < Double(device.interval) {
            try await store.people.polled(id: device.id, at: now, interval: device.interval + 5)
            return OAuthResponse.error("slow_down", "Polling too fast: wait \(device.interval + 5) seconds between requests.")
        }
        try await store.people.polled(id: device.id, at: now, interval: device.interval)
        switch device.status {
        case .pending: return OAuthResponse.error("authorization_pending", "The person has not approved the sign-in yet.")
        case .denied: return OAuthResponse.error("access_denied", "The person denied the sign-in.")
        case .used: return OAuthResponse.error("invalid_grant", "The device code was used already.")
        case .approved:
            guard let userID = device.userID, try await store.people.consume(id: device.id) else {
                return OAuthResponse.error("invalid_grant", "The device code was used already.")
            }
            return OAuthResponse.json(
                try await grants.issue(
                    userID: userID, clientID: clientID, scope: device.scope, familyID: UUID().uuidString.lowercased(),
                    grant: OAuthClient.Grant.deviceCode, address: context.clientAddress))
        }
    }

    /// RFC 7009 for the public client: a refresh token or an access token of a person's grant
    /// ends the whole grant (`gatehouse logout`). Always 200.
    func revokePersonToken(_ form: FormBody, clientID: String, _ context: GatewayRequestContext) async -> Response {
        guard let token = form["token"] else { return OAuthResponse.error("invalid_request", "`token` is required.") }
        var family: (id: String, userID: String)?
        if let refresh = try? await store.people.refreshToken(id: APIKeyFormat.hash(token)), refresh.clientID == clientID {
            family = (refresh.familyID, refresh.userID)
        } else if let claims = try? await tokens.verify(token, at: Date()), claims.clientID == clientID, let id = claims.familyID,
            let userID = claims.userID
        {
            family = (id, userID)
        }
        if let family {
            do {
                try await grants.revokeFamily(family.id)
            } catch {
                return OAuthResponse.error("server_error", "The revocation could not be stored.", status: .serviceUnavailable)
            }
            audit.record(
                AuditEvent(
                    action: .tokenRevoke, actor: ObjectRef.user(family.userID).description, about: .user(family.userID), outcome: .success,
                    address: context.clientAddress, details: ["family": .string(family.id)]))
        }
        return OAuthResponse.json([:])
    }
}
