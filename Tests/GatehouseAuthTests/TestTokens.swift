import Crypto
import CryptoExtras
import Foundation
import GatehouseCore
import Synchronization

@testable import GatehouseAuth

/// Signs JWTs in tests with swift-crypto, independently of the verifier's code paths.
enum TestSigningKey: Sendable {
    case hmac(String)
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// 2048-bit keys take a moment to generate: made once per test process.
    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    func sign(_ input: [UInt8], algorithm: String) -> [UInt8] {
        switch self {
        case .hmac(let secret):
            let key = SymmetricKey(data: Array(secret.utf8))
            switch algorithm {
            case "HS384": return Array(HMAC<SHA384>.authenticationCode(for: input, using: key))
            case "HS512": return Array(HMAC<SHA512>.authenticationCode(for: input, using: key))
            default: return Array(HMAC<SHA256>.authenticationCode(for: input, using: key))
            }
        case .rsa(let key):
            let padding: _RSA.Signing.Padding = algorithm.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            let signature: _RSA.Signing.RSASignature
            switch algorithm.suffix(3) {
            case "384": signature = try! key.signature(for: SHA384.hash(data: input), padding: padding)
            case "512": signature = try! key.signature(for: SHA512.hash(data: input), padding: padding)
            default: signature = try! key.signature(for: SHA256.hash(data: input), padding: padding)
            }
            return Array(signature.rawRepresentation)
        case .p256(let key): return Array(try! key.signature(for: SHA256.hash(data: input)).rawRepresentation)
        case .p384(let key): return Array(try! key.signature(for: SHA384.hash(data: input)).rawRepresentation)
        case .ed25519(let key): return Array(try! key.signature(for: input))
        }
    }

    /// The public half as a config key entry.
    var publicPEM: String {
        switch self {
        case .hmac: fatalError("no public half")
        case .rsa(let key): return key.publicKey.pemRepresentation
        case .p256(let key): return key.publicKey.pemRepresentation
        case .p384(let key): return key.publicKey.pemRepresentation
        case .ed25519(let key):
            let der = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + Array(key.publicKey.rawRepresentation)
            return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----"
        }
    }

    /// The public half as a JWK.
    func publicJWK(kid: String) -> JSONValue {
        switch self {
        case .hmac: fatalError("no public half")
        case .rsa(let key):
            let pkcs1 = key.publicKey.pkcs1DERRepresentation
            // Modulus and exponent from the PKCS#1 DER: SEQUENCE { INTEGER n, INTEGER e }.
            let (n, e) = TestDER.rsaParameters(Array(pkcs1))
            return ["kty": "RSA", "kid": .string(kid), "n": .string(Base64URL.encode(n)), "e": .string(Base64URL.encode(e))]
        case .p256(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            return [
                "kty": "EC", "crv": "P-256", "kid": .string(kid), "x": .string(Base64URL.encode(raw[0..<32])),
                "y": .string(Base64URL.encode(raw[32...])),
            ]
        case .p384(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            return [
                "kty": "EC", "crv": "P-384", "kid": .string(kid), "x": .string(Base64URL.encode(raw[0..<48])),
                "y": .string(Base64URL.encode(raw[48...])),
            ]
        case .ed25519(let key):
            return ["kty": "OKP", "crv": "Ed25519", "kid": .string(kid), "x": .string(Base64URL.encode(key.publicKey.rawRepresentation))]
        }
    }
}

enum TestDER {
    static func rsaParameters(_ der: [UInt8]) -> ([UInt8], [UInt8]) {
        var index = 0
        func length() -> Int {
            let first = Int(der[index])
            index += 1
            guard first & 0x80 != 0 else { return first }
            var value = 0
            for _ in 0..<(first & 0x7f) {
                value = value << 8 | Int(der[index])
                index += 1
            }
            return value
        }
        func integer() -> [UInt8] {
            index += 1  // INTEGER tag
            let count = length()
            var bytes = Array(der[index..<index + count])
            index += count
            while bytes.first == 0, bytes.count > 1 { bytes.removeFirst() }
            return bytes
        }
        index += 1  // SEQUENCE tag
        _ = length()
        return (integer(), integer())
    }
}

enum TestJWT {
    static func make(header: JSONValue, payload: JSONValue, key: TestSigningKey?, algorithm: String? = nil) -> String {
        let input = Base64URL.encode(JSONCoding.encode(header)) + "." + Base64URL.encode(JSONCoding.encode(payload))
        let alg = algorithm ?? header["alg"]?.stringValue ?? ""
        let signature = key.map { $0.sign(Array(input.utf8), algorithm: alg) } ?? []
        return input + "." + Base64URL.encode(signature)
    }

    static func claims(
        iss: String = "https://idp.test", aud: JSONValue = "gatehouse", sub: String = "alice", lifetime: Double = 300, now: Date = Date()
    )
        -> JSONValue
    {
        let t = now.timeIntervalSince1970.rounded()
        return ["iss": .string(iss), "aud": aud, "sub": .string(sub), "iat": .number(t), "exp": .number(t + lifetime)]
    }
}

/// A key-set source that serves what the test says and counts fetches.
final class FakeJWKS: IdentityProviderHTTP {
    let documents = Mutex<[String: [UInt8]]>([:])
    let fetches = Mutex<[String]>([])

    func serve(_ url: String, _ document: JSONValue?) {
        documents.withLock { $0[url] = document.map { JSONCoding.encode($0) } }
    }

    func serveRaw(_ url: String, _ bytes: [UInt8]) { documents.withLock { $0[url] = bytes } }

    var count: Int { fetches.withLock { $0.count } }

    /// Introspection answers by token; requests are recorded with their form and credentials.
    let introspection = Mutex<[String: [UInt8]]>([:])
    let posts = Mutex<[(form: [String: String], basic: String?)]>([])

    func answer(_ token: String, _ document: JSONValue?) {
        introspection.withLock { $0[token] = document.map { JSONCoding.encode($0) } }
    }

    /// Token endpoint answers by authorization code (single sign-on's code exchange).
    let codes = Mutex<[String: [UInt8]]>([:])

    func answer(code: String, _ document: JSONValue) {
        codes.withLock { $0[code] = JSONCoding.encode(document) }
    }

    func postForm(_ url: String, form: [(String, String)], basicAuth: (user: String, password: String)?, kind: String) async throws -> [UInt8] {
        let fields = Dictionary(form, uniquingKeysWith: { first, _ in first })
        posts.withLock { $0.append((fields, basicAuth.map { "\($0.user):\($0.password)" })) }
        if fields["grant_type"] == "authorization_code" {
            guard let code = fields["code"], let answer = codes.withLock({ $0.removeValue(forKey: code) }) else {
                throw JWTKeyError("\(url) answered 400")
            }
            return answer
        }
        guard let token = fields["token"], let answer = introspection.withLock({ $0[token] }) else { throw JWTKeyError("\(url) is down") }
        return answer
    }

    func get(_ url: String) async throws -> [UInt8] {
        fetches.withLock { $0.append(url) }
        guard let document = documents.withLock({ $0[url] }) else { throw JWTKeyError("\(url) is down") }
        return document
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
