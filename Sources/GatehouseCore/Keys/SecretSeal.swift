import Crypto
import Foundation

/// Seals secrets kept in the database (a stored model's upstream key) with AES-GCM under a key
/// derived from the salt key (`GATEHOUSE_SALT_KEY`, else LiteLLM's `LITELLM_SALT_KEY`, else the
/// master key): a copy of the database alone does not give them away. Sealed text is
/// `v1:<base64 of nonce, ciphertext and tag>`.
public struct SecretSeal: Sendable {
    let key: SymmetricKey

    /// - Parameter purpose: what the key seals; each purpose has its own key.
    public init(saltKey: String, purpose: String = "gatehouse stored secrets v1") {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(saltKey.utf8)), info: Array(purpose.utf8), outputByteCount: 32)
    }

    /// The salt key from the environment, else the master key.
    public static func saltKey(environment: [String: String], masterKey: String) -> String {
        environment["GATEHOUSE_SALT_KEY"] ?? environment["LITELLM_SALT_KEY"] ?? masterKey
    }

    public func seal(_ plaintext: String) -> String {
        // Sealing with a fresh random nonce cannot fail for a 256-bit key.
        let box = try! AES.GCM.seal(Array(plaintext.utf8), using: key)
        return "v1:" + box.combined!.base64EncodedString()
    }

    /// The secret, or nil when the text was sealed under another key or is damaged.
    public func open(_ sealed: String) -> String? {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data), let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
