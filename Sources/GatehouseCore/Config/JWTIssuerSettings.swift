import Foundation

/// One identity provider whose JWTs Gatehouse accepts (`jwt_issuers` entry).
public struct JWTIssuerSettings: Sendable, Equatable {
    /// Algorithms Gatehouse verifies; `none` is never among them.
    public static let supportedAlgorithms = [
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
    ]

    /// A verification key given in the configuration file.
    public struct InlineKey: Sendable, Equatable {
        public enum Material: Sendable, Equatable {
            /// An HMAC secret (HS256/384/512).
            case secret(String)
            /// A public key in PEM (RSA, P-256, P-384 or Ed25519).
            case pem(String)
            /// A JWK, as JSON text.
            case jwk(String)
        }

        public var kid: String?
        public var material: Material
        /// Where it was configured, for start-up errors (`jwt_issuers[0].keys[1]`).
        public var path: String

        public init(kid: String?, material: Material, path: String) {
            self.kid = kid
            self.material = material
            self.path = path
        }
    }

    public var name: String
    /// The exact `iss` value.
    public var issuer: String
    /// Accepted `aud` values; a token must name at least one.
    public var audiences: [String]
    public var algorithms: [String]
    public var keys: [InlineKey] = []
    public var jwksURL: String?
    /// OpenID Connect discovery document naming the `jwks_uri`.
    public var discoveryURL: String?
    public var jwksRefreshSeconds = 300.0
    /// At most one refetch per this interval when a token names an unknown `kid`.
    public var unknownKidCooldownSeconds = 30.0
    /// How long the last good key set is kept through failed refreshes.
    public var jwksMaxAgeSeconds = 86_400.0
    public var leewaySeconds = 60.0
    /// Longest accepted `exp − iat` (or `exp − now` without `iat`); also what stops a token
    /// with an absurd `exp` from living for ever.
    public var maxLifetimeSeconds = 86_400.0
    /// Required `typ` header (`at+jwt`; `application/at+jwt` matches too).
    public var requiredType: String?
    public var mapping = ClaimMapping()

    public init(name: String, issuer: String, audiences: [String], algorithms: [String]) {
        self.name = name
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
    }

    /// The minimum HMAC secret length for an algorithm: its digest size (RFC 7518 §3.2).
    public static func minimumSecretBytes(for algorithm: String) -> Int? {
        switch algorithm {
        case "HS256": 32
        case "HS384": 48
        case "HS512": 64
        default: nil
        }
    }
}
