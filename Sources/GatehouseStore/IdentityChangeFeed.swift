import ServiceLifecycle

/// Tells every process sharing the database that a key, user, team or organization changed, so
/// each updates its `IdentityCache`.
public protocol IdentityChangeFeed: Sendable {
    func publish(_ change: IdentityChange) async throws
}

extension IdentityCache {
    /// Applies one reported change: the object as it now is in the store, or gone.
    public func refresh(_ change: IdentityChange, from store: IdentityStore) async throws {
        switch change {
        case .key(let id):
            if let key = try await store.keys.key(id: id) { return put(key) }
        case .user(let id):
            if let user = try await store.directory.user(id: id) { return put(user) }
        case .team(let id):
            if let team = try await store.directory.team(id: id) { return put(team) }
        case .organization(let id):
            if let organization = try await store.directory.organization(id: id) { return put(organization) }
        case .oauthClient(let id):
            if let client = try await store.oauth.client(id: id) { return put(client) }
        case .revokedToken(let id):
            return revoke(tokenID: id)
        case .certificate(let id):
            if let binding = try await store.certificates.binding(id: id) { return put(binding) }
        case .endUser(let id):
            if let endUser = try await store.customers.endUser(id: id) { return put(endUser) }
        case .budget(let id):
            if let budget = try await store.customers.budget(id: id) { return put(budget) }
        case .model:
            return await modelsChanged()
        }
        remove(change)
    }

    /// Runs a feed's follower once start-up has loaded the cache (so the schema exists), until
    /// graceful shutdown, and ends quietly then: a service that throws would cancel its neighbours.
    func follow(_ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !self.isLoaded { try await Task.sleep(for: .milliseconds(20)) }
                try await body()
            }
        } catch is CancellationError {
            return
        }
    }
}
