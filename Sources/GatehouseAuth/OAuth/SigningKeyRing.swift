import Crypto
import Foundation
public import GatehouseCore
public import GatehouseStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// The keys Gatehouse signs its access tokens with. The private halves are stored sealed
/// (AES-GCM, with a key derived from the master key) so that a copy of the database alone does
/// not let anyone mint tokens. One key signs; replaced keys keep verifying (and stay in the
/// published JWKS) until every token they signed has expired.
public final class SigningKeyRing: Sendable {
    enum PrivateKey: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)

        var raw: Data {
            switch self {
            case .p256(let key): key.rawRepresentation
            case .ed25519(let key): key.rawRepresentation
            }
        }
    }

    struct Key: Sendable {
        let id: String
        let algorithm: OAuthServerSettings.Algorithm
        let privateKey: PrivateKey
        let createdAt: Date
        let retiredAt: Date?

        var verificationKey: JWTVerificationKey {
            switch privateKey {
            case .p256(let key): JWTVerificationKey(kid: id, material: .p256(key.publicKey), algorithm: algorithm.rawValue)
            case .ed25519(let key): JWTVerificationKey(kid: id, material: .ed25519(key.publicKey), algorithm: algorithm.rawValue)
            }
        }

        var publicJWK: JSONValue {
            switch privateKey {
            case .p256(let key):
                let raw = Array(key.publicKey.rawRepresentation)
                return [
                    "kty": "EC", "crv": "P-256", "kid": .string(id), "use": "sig", "alg": "ES256", "x": .string(Base64URL.encode(raw[0..<32])),
                    "y": .string(Base64URL.encode(raw[32...])),
                ]
            case .ed25519(let key):
                return [
                    "kty": "OKP", "crv": "Ed25519", "kid": .string(id), "use": "sig", "alg": "EdDSA",
                    "x": .string(Base64URL.encode(key.publicKey.rawRepresentation)),
                ]
            }
        }
    }

    let store: OAuthStore
    let settings: OAuthServerSettings
    let sealing: SymmetricKey
    let now: @Sendable () -> Date
    private let keys = Mutex<[Key]>([])
    private let lastReload = Mutex<Date?>(nil)

    public init(store: OAuthStore, masterKey: String, settings: OAuthServerSettings, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.settings = settings
        self.now = now
        sealing = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(masterKey.utf8)), info: Array("gatehouse signing keys v1".utf8), outputByteCount: 32)
    }

    /// Loads the stored keys, drops those no token can need any more, and makes a new signing
    /// key when there is none (or none this master key can open), or when the current one is
    /// older than the rotation period.
    public func load() async throws {
        let at = now()
        try await store.dropSigningKeys(retiredBefore: at.addingTimeInterval(-settings.tokenLifetimeSeconds - 300))
        try await reload()
        let current = keys.withLock { $0.last { $0.retiredAt == nil } }
        if current.map({ at.timeIntervalSince($0.createdAt) >= settings.keyRotationSeconds }) ?? true {
            try await rotate()
        }
    }

    /// Makes a new signing key; the previous one keeps verifying. - Returns: its `kid`.
    @discardableResult
    public func rotate() async throws -> String {
        let privateKey: PrivateKey =
            switch settings.algorithm {
            case .es256: .p256(P256.Signing.PrivateKey())
            case .edDSA: .ed25519(Curve25519.Signing.PrivateKey())
            }
        let sealed = try AES.GCM.seal(privateKey.raw, using: sealing).combined!.base64EncodedString()
        let id = DirectoryID.new("sig")
        try await store.rotate(
            to: .init(id: id, algorithm: settings.algorithm.rawValue, sealedPrivateKey: sealed, createdAt: now()))
        try await reload()
        return id
    }

    /// Reads the keys again (another instance may have rotated).
    func reload() async throws {
        let loaded = try await store.signingKeys().compactMap { record -> Key? in
            guard let algorithm = OAuthServerSettings.Algorithm(rawValue: record.algorithm),
                let combined = Data(base64Encoded: record.sealedPrivateKey),
                let box = try? AES.GCM.SealedBox(combined: combined), let raw = try? AES.GCM.open(box, using: sealing)
            else { return nil }  // sealed under another master key: unusable here
            let privateKey: PrivateKey
            switch algorithm {
            case .es256:
                guard let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else { return nil }
                privateKey = .p256(key)
            case .edDSA:
                guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else { return nil }
                privateKey = .ed25519(key)
            }
            return Key(id: record.id, algorithm: algorithm, privateKey: privateKey, createdAt: record.createdAt, retiredAt: record.retiredAt)
        }
        keys.withLock { $0 = loaded }
        lastReload.withLock { $0 = now() }
    }

    /// For a token whose kid is unknown here: reload, at most once every five seconds.
    func reloadIfStale() async {
        let at = now()
        let due = lastReload.withLock { last -> Bool in
            guard last.map({ at.timeIntervalSince($0) >= 5 }) ?? true else { return false }
            last = at
            return true
        }
        if due { try? await reload() }
    }

    /// A compact JWS of `payload`, signed by the current key.
    func sign(_ payload: JSONValue) throws -> String {
        guard let key = keys.withLock({ $0.last { $0.retiredAt == nil } }) else { throw JWTKeyError("no signing key") }
        let header: JSONValue = ["alg": .string(key.algorithm.rawValue), "kid": .string(key.id), "typ": "at+jwt"]
        let input = Base64URL.encode(JSONCoding.encode(header)) + "." + Base64URL.encode(JSONCoding.encode(payload))
        let signature: Data
        switch key.privateKey {
        case .p256(let privateKey): signature = try privateKey.signature(for: SHA256.hash(data: Array(input.utf8))).rawRepresentation
        case .ed25519(let privateKey): signature = try privateKey.signature(for: Array(input.utf8))
        }
        return input + "." + Base64URL.encode(signature)
    }

    func verificationKey(kid: String) -> JWTVerificationKey? {
        keys.withLock { $0.first { $0.id == kid }?.verificationKey }
    }

    /// The public keys, as `/.well-known/jwks.json` serves them.
    public var jwks: JSONValue {
        ["keys": .array(keys.withLock { $0.map(\.publicJWK) })]
    }

    public var currentKeyID: String? { keys.withLock { $0.last { $0.retiredAt == nil }?.id } }
}

/// Re-runs `SigningKeyRing.load` every hour: a long-running instance rotates its signing key when
/// it is due, drops keys no token can need, and picks up keys other instances made.
public struct SigningKeyRotation: Service {
    let ring: SigningKeyRing
    let logger: Logger

    public init(ring: SigningKeyRing, logger: Logger) {
        self.ring = ring
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(3600))
                do {
                    try await ring.load()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("signing key check failed", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }
}
