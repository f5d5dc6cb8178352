import Foundation

/// A client certificate identity (`san_uri:spiffe://acme/ns/prod/sa/search`,
/// `fingerprint:3f0c…`) attached to a virtual key, a user or a team: a client presenting a
/// verified certificate with that identity acts as what it is bound to.
public struct CertificateBinding: Sendable, Equatable {
    /// `<kind>:<value>`, the kind being how the listener reads identities from certificates.
    public var id: String
    public var keyID: String?
    public var userID: String?
    public var teamID: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, keyID: String? = nil, userID: String? = nil, teamID: String? = nil, createdAt: Date = Date()) {
        self.id = id
        self.keyID = keyID
        self.userID = userID
        self.teamID = teamID
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
