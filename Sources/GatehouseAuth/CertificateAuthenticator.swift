import Foundation
public import GatehouseCore
public import GatehouseStore

/// A verified client certificate as a credential: its identity (read as the listener is
/// configured) must be bound to a virtual key, a user or a team, and the principal is then that
/// key's (its models, limits, budget and spend) or that user's and team's. The handshake has
/// already checked the chain, validity dates and the clientAuth extended key usage.
public struct CertificateAuthenticator: Sendable {
    let cache: IdentityCache
    let kind: ClientCertificate.IdentityKind
    let now: @Sendable () -> Date

    public init(cache: IdentityCache, kind: ClientCertificate.IdentityKind, now: @escaping @Sendable () -> Date = Date.init) {
        self.cache = cache
        self.kind = kind
        self.now = now
    }

    /// - Throws: 403 when the certificate has no identity of the configured kind or nothing is
    ///   bound to it; 401 when what it is bound to is not usable (a blocked or expired key).
    public func authenticate(_ certificate: ClientCertificate) throws -> Principal {
        guard let identity = certificate.identity(kind) else {
            throw GatewayError.forbidden("This client certificate has no \(kind.rawValue) to identify it by.")
        }
        guard let binding = cache.certificateBinding(identity) else {
            throw GatewayError.forbidden("This client certificate is not bound to any key, user or team.")
        }
        var holder = TokenIdentity(subject: binding.userID ?? identity, expiresAt: nil)
        holder.keyID = binding.keyID
        holder.teamID = binding.teamID
        holder.role = binding.userID.flatMap(cache.role(ofUser:)) ?? .internalUser
        var principal = try holder.principal(method: .clientCertificate, source: "certificate", sourceModels: [], cache: cache, now: now())
        // Bound to a team alone: the identity is no user (nor an account to charge spend to).
        if binding.keyID == nil, binding.userID == nil { principal.userID = nil }
        return principal
    }

    /// For routes that want a certificate and a key: a certificate bound to something must be
    /// bound to what the key is (the key itself, or its user); an unbound one only vouches for
    /// the connection.
    public func check(_ certificate: ClientCertificate, agreesWith principal: Principal) throws {
        guard let identity = certificate.identity(kind), let binding = cache.certificateBinding(identity) else { return }
        let agrees =
            (binding.keyID != nil && binding.keyID == principal.keyID)
            || (binding.keyID == nil && binding.userID != nil && binding.userID == principal.userID)
            || (binding.keyID == nil && binding.userID == nil && binding.teamID != nil && binding.teamID == principal.teamID)
        guard agrees else { throw GatewayError.forbidden("This client certificate is bound to someone other than this key.") }
    }
}
