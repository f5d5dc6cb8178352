import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// The Gatehouse user a person signing in with a provider is: found by the user claim, else by
/// their email when the provider vouches for it (`link_by_email`), else created just in time
/// (`create_users`). Their role follows the provider's groups at every sign-in when the provider
/// has a roles claim, and their organization its organization claim; the team claim joins them to
/// that team (created with `create_teams`). Every change is announced like any directory change.
struct SSOAccounts: Sendable {
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed

    struct Signed: Sendable {
        var user: User
        /// The role before, when this sign-in changed it.
        var previousRole: Principal.Role?
        var created: Bool
    }

    enum Refusal: Error {
        /// Nobody here by that name or email, and the provider may not create users.
        case noAccount
        /// A user id Gatehouse keeps for itself, or one too long to be an id.
        case unusableID
    }

    func signIn(_ person: SSOPerson, provider: SSOProviderSettings) async throws -> Signed {
        guard !MasterSignIn.isReserved(person.userID), person.userID.utf8.count <= 256,
            person.userID.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else { throw Refusal.unusableID }
        let email = person.trustedEmail(requireVerified: provider.requireVerifiedEmail)
        var found = try await store.directory.user(id: person.userID)
        if found == nil, provider.linkByEmail, let email { found = try await store.directory.user(email: email) }
        var created = false
        if found == nil {
            guard provider.mapping.createUsers else { throw Refusal.noAccount }
            var user = User(id: person.userID)
            if let email, try await store.directory.user(email: email) == nil { user.email = email }
            user.role = person.role ?? .internalUser
            if let organization = person.organizationID, try await store.directory.organization(id: organization) != nil {
                user.organizationID = organization
            }
            do {
                try await store.directory.insert(user)
                created = true
            } catch {
                // Another sign-in may have created it first; anything else is a failure.
                guard try await store.directory.user(id: user.id) != nil else { throw error }
            }
            found = try await store.directory.user(id: user.id)
        }
        guard var user = found else { throw Refusal.noAccount }
        var previousRole: Principal.Role?
        var changed = false
        if let role = person.role, role != user.role {
            previousRole = user.role
            user.role = role
            changed = true
        }
        if let organization = person.organizationID, organization != user.organizationID,
            try await store.directory.organization(id: organization) != nil
        {
            user.organizationID = organization
            changed = true
        }
        if changed {
            user.updatedAt = Date()
            try await store.directory.update(user)
        }
        if changed || created {
            cache.put(user)
            try await feed.publish(.user(user.id))
        }
        // The team the provider names: joined when it exists, created first with `create_teams`.
        if let team = person.teamID {
            var joinable = provider.mapping.createTeams
            if !joinable { joinable = try await store.directory.team(id: team) != nil }
            if joinable {
                try await DirectoryProvisioner(store: store, cache: cache, feed: feed).provision(
                    userID: user.id, email: nil, teamID: team, createUser: false)
            }
        }
        return Signed(user: user, previousRole: previousRole, created: created)
    }
}
