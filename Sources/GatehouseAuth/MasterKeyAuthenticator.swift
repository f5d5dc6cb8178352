import Crypto
public import GatehouseCore

/// The operator's master key. Compared as SHA-256 digests in constant time, so neither the
/// comparison's duration nor an early exit reveals how much of a guess was right.
public struct MasterKeyAuthenticator: Authenticator {
    private let digest: [UInt8]

    public init(masterKey: String) {
        self.digest = Array(SHA256.hash(data: Array(masterKey.utf8)))
    }

    public func authenticate(_ credential: PresentedCredential) async throws -> Principal? {
        let presented = Array(SHA256.hash(data: Array(credential.secret.utf8)))
        var difference: UInt8 = 0
        for index in 0..<presented.count { difference |= presented[index] ^ digest[index] }
        return difference == 0 ? .master : nil
    }
}
