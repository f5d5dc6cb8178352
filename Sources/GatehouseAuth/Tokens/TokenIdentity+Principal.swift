import Foundation
import GatehouseCore
import GatehouseStore

extension TokenIdentity {
    /// The Principal for this identity: its team and organization (as the directory knows them)
    /// bound it like a key's, and a blocked team refuses it. When the token names a virtual key,
    /// it acts as that key (the key's models, routes, team and owner's role).
    /// - Parameters:
    ///   - source: the issuer's or introspection endpoint's name, for the principal id.
    ///   - sourceModels: the models every token of that source is limited to.
    func principal(method: Principal.Method, source: String, sourceModels: [String], cache: IdentityCache, now: Date) throws -> Principal {
        let bounds = [sourceModels, keyID != nil ? models : []].filter { !$0.isEmpty }.map { ModelBound(.token, $0) }
        var principal: Principal
        if let keyID {
            guard let resolved = cache.resolve(keyID: keyID), !resolved.grant.blocked, !resolved.grant.isExpired(at: now), !resolved.teamBlocked
            else {
                throw GatewayError.unauthorized("The key this token names is not usable.")
            }
            let key = resolved.grant
            principal = Principal(id: "\(method.rawValue):\(source):\(subject)", method: method, actingAs: resolved, bounds: bounds)
            if !routes.isEmpty {
                // Both must open a route: keep the token's routes that the key's also open.
                principal.allowedRoutes = key.allowedRoutes.isEmpty ? routes : routes.filter { RouteAccess.allows(key.allowedRoutes, path: $0) }
                if principal.allowedRoutes.isEmpty { throw GatewayError.forbidden("This token's scopes open no route its key allows.") }
            }
        } else {
            let chain = cache.chain(userID: subject, teamID: teamID, organizationID: organizationID)
            if chain.teamBlocked { throw GatewayError.unauthorized("This token's team is blocked.") }
            principal = Principal(
                id: "\(method.rawValue):\(source):\(subject)", method: method, role: role, userID: subject, teamID: teamID,
                organizationID: organizationID, models: models, chain: chain, bounds: bounds)
            principal.allowedRoutes = routes
        }
        principal.carry(limits, as: .token, id: principal.id)
        return principal
    }

    /// Creates what the token names and the directory lacks, when its source asks for it.
    func provision(_ mapping: ClaimMapping, with provisioner: (any TokenProvisioner)?) async throws {
        guard let provisioner, mapping.createUsers || mapping.createTeams else { return }
        do {
            try await provisioner.provision(
                userID: subject, email: email, teamID: mapping.createTeams ? teamID : nil, createUser: mapping.createUsers)
        } catch {
            throw GatewayError.unavailable("The user this token names could not be created.")
        }
    }
}

/// Creates, just in time, the user and team a verified token names (for sources configured with
/// `create_users` / `create_teams`). Implemented over the store by the server.
public protocol TokenProvisioner: Sendable {
    /// - Parameter teamID: the team to create (with the user as a member) if missing; nil: none.
    func provision(userID: String, email: String?, teamID: String?, createUser: Bool) async throws
}
