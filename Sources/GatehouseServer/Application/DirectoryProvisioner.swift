import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Just-in-time users and teams for tokens from sources configured with `create_users` or
/// `create_teams`: created once, on the first request of a token that names them, and announced
/// like any directory change.
struct DirectoryProvisioner: TokenProvisioner {
    let store: IdentityStore
    let cache: IdentityCache
    let feed: any IdentityChangeFeed

    func provision(userID: String, email: String?, teamID: String?, createUser: Bool) async throws {
        if createUser, try await store.directory.user(id: userID) == nil {
            var user = User(id: userID)
            if let email, try await store.directory.user(email: email) == nil { user.email = email }
            do {
                try await store.directory.insert(user)
            } catch {
                // Another request may have created it first; anything else is a failure.
                guard try await store.directory.user(id: userID) != nil else { throw error }
            }
            cache.put(user)
            try await feed.publish(.user(userID))
        }
        guard let teamID else { return }
        if try await store.directory.team(id: teamID) == nil {
            var team = Team(id: teamID)
            team.members = [TeamMember(userID: userID, role: .user)]
            do {
                try await store.directory.insert(team)
            } catch {
                guard try await store.directory.team(id: teamID) != nil else { throw error }
            }
            cache.put(team)
            try await feed.publish(.team(teamID))
        } else if try await store.directory.memberships(userID: userID)[teamID] == nil {
            try await store.directory.setMember(TeamMember(userID: userID, role: .user), of: teamID)
        }
    }
}
