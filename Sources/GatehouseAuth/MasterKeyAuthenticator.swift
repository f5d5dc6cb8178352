public import GatehouseCore

/// The operator's master key. Compared as SHA-256 digests in constant time, so neither the
/// comparison's duration nor an early exit reveals how much of a guess was right.
public struct MasterKeyAuthenticator: Authenticator {
    private let digest: KeyDigest

    public init(masterKey: String) {
        self.digest = KeyDigest(key: masterKey)
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        credential.digest.constantTimeEquals(digest) ? .master : nil
    }
}
