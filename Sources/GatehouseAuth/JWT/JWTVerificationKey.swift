import Crypto
import CryptoExtras
import Foundation
import GatehouseCore

/// A key that verifies JWT signatures, bound to the algorithms its type allows (and to one when a
/// JWK names its `alg`). The algorithm comes from this binding, never from the token alone: an
/// RSA public key is never an HMAC secret, whatever the token's header says.
struct JWTVerificationKey: Sendable {
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    let kid: String?
    let material: Material
    /// Set when the key's source names exactly one algorithm (a JWK's `alg`).
    let algorithm: String?

    func admits(_ algorithm: String) -> Bool {
        if let bound = self.algorithm, bound != algorithm { return false }
        switch material {
        case .hmac: return ["HS256", "HS384", "HS512"].contains(algorithm)
        case .rsa: return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"].contains(algorithm)
        case .p256: return algorithm == "ES256"
        case .p384: return algorithm == "ES384"
        case .ed25519: return algorithm == "EdDSA"
        }
    }

    /// - Precondition: `admits(algorithm)`.
    func verifies(_ signature: [UInt8], over input: [UInt8], algorithm: String) -> Bool {
        switch material {
        case .hmac(let key):
            switch algorithm {
            case "HS256": return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case "HS384": return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            default: return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            }
        case .rsa(let key):
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let padding: _RSA.Signing.Padding = algorithm.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            switch algorithm.suffix(3) {
            case "256": return key.isValidSignature(rsaSignature, for: SHA256.hash(data: input), padding: padding)
            case "384": return key.isValidSignature(rsaSignature, for: SHA384.hash(data: input), padding: padding)
            default: return key.isValidSignature(rsaSignature, for: SHA512.hash(data: input), padding: padding)
            }
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: input))
        case .p384(let key):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: SHA384.hash(data: input))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: input)
        }
    }

    static func secret(_ secret: String, kid: String?) -> JWTVerificationKey {
        JWTVerificationKey(kid: kid, material: .hmac(SymmetricKey(data: Array(secret.utf8))), algorithm: nil)
    }

    /// A public key in PEM: RSA (2048 bits or more), P-256, P-384 or Ed25519.
    static func pem(_ text: String, kid: String?) throws -> JWTVerificationKey {
        if let key = try? _RSA.Signing.PublicKey(pemRepresentation: text) { return .init(kid: kid, material: .rsa(key), algorithm: nil) }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: text) { return .init(kid: kid, material: .p256(key), algorithm: nil) }
        if let key = try? P384.Signing.PublicKey(pemRepresentation: text) { return .init(kid: kid, material: .p384(key), algorithm: nil) }
        if let key = ed25519(pem: text) { return .init(kid: kid, material: .ed25519(key), algorithm: nil) }
        throw JWTKeyError("not a PEM public key Gatehouse can use (RSA of 2048 bits or more, P-256, P-384, Ed25519)")
    }

    /// An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key.
    static func ed25519(pem text: String) -> Curve25519.Signing.PublicKey? {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body), der.count == 44,
            Array(der.prefix(12)) == [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
        else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
    }

    /// A JWK (RFC 7517): `RSA`, `EC` (P-256, P-384), `OKP` (Ed25519) or `oct`. Private members are
    /// ignored; a key meant for encryption (`use: enc`) is refused.
    static func jwk(_ jwk: JSONValue) throws -> JWTVerificationKey {
        guard case .object = jwk else { throw JWTKeyError("a JWK must be a JSON object") }
        if let use = jwk["use"]?.stringValue, use != "sig" { throw JWTKeyError("the JWK is for `\(use)`, not signatures") }
        let kid = jwk["kid"]?.stringValue
        let algorithm = jwk["alg"]?.stringValue
        if let algorithm, !JWTIssuerSettings.supportedAlgorithms.contains(algorithm) {
            throw JWTKeyError("the JWK's alg `\(algorithm)` is not supported")
        }
        func bytes(_ name: String) throws -> [UInt8] {
            guard let text = jwk[name]?.stringValue, let value = Base64URL.decode(Array(text.utf8)), !value.isEmpty else {
                throw JWTKeyError("the JWK lacks a valid `\(name)`")
            }
            return value
        }
        let material: Material
        switch jwk["kty"]?.stringValue {
        case "RSA":
            do {
                material = .rsa(try _RSA.Signing.PublicKey(n: try bytes("n"), e: try bytes("e")))
            } catch let error as JWTKeyError {
                throw error
            } catch {
                throw JWTKeyError("the RSA JWK is not a usable key (2048 bits or more)")
            }
        case "EC":
            let point = [0x04] + (try bytes("x")) + (try bytes("y"))
            switch jwk["crv"]?.stringValue {
            case "P-256":
                guard let key = try? P256.Signing.PublicKey(x963Representation: point) else { throw JWTKeyError("the P-256 JWK is invalid") }
                material = .p256(key)
            case "P-384":
                guard let key = try? P384.Signing.PublicKey(x963Representation: point) else { throw JWTKeyError("the P-384 JWK is invalid") }
                material = .p384(key)
            default: throw JWTKeyError("EC curve `\(jwk["crv"]?.stringValue ?? "")` is not supported")
            }
        case "OKP":
            guard jwk["crv"]?.stringValue == "Ed25519", let key = try? Curve25519.Signing.PublicKey(rawRepresentation: try bytes("x")) else {
                throw JWTKeyError("only Ed25519 OKP keys are supported")
            }
            material = .ed25519(key)
        case "oct":
            material = .hmac(SymmetricKey(data: try bytes("k")))
        default:
            throw JWTKeyError("key type `\(jwk["kty"]?.stringValue ?? "")` is not supported")
        }
        return JWTVerificationKey(kid: kid, material: material, algorithm: algorithm)
    }

    /// The usable signing keys of a JWK Set; keys Gatehouse cannot use are skipped, not fatal.
    static func jwks(_ document: JSONValue) throws -> [JWTVerificationKey] {
        guard let keys = document["keys"]?.arrayValue else { throw JWTKeyError("a JWK Set needs a `keys` list") }
        return keys.compactMap { key in
            guard key["kty"]?.stringValue != "oct" else { return nil }  // never take shared secrets from a URL
            return try? jwk(key)
        }
    }
}

struct JWTKeyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
