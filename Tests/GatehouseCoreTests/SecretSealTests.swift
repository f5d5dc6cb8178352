import GatehouseCore
import Testing

@Suite("Sealed secrets")
struct SecretSealTests {
    @Test func aSealedSecretOpensOnlyUnderItsKeyAndUntouched() throws {
        let seal = SecretSeal(saltKey: "salt-one")
        let sealed = seal.seal("sk-upstream-secret")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("sk-upstream-secret"))
        #expect(seal.open(sealed) == "sk-upstream-secret")
        // A fresh nonce each time: the same secret never seals to the same text.
        #expect(seal.seal("sk-upstream-secret") != sealed)
        #expect(SecretSeal(saltKey: "salt-two").open(sealed) == nil)
        var tampered = Array(sealed)
        tampered[10] = tampered[10] == "A" ? "B" : "A"
        #expect(seal.open(String(tampered)) == nil)
        #expect(seal.open("v1:not base64!") == nil && seal.open("plain") == nil)
    }

    @Test func theSaltKeyComesFromTheEnvironmentFirst() {
        #expect(SecretSeal.saltKey(environment: [:], masterKey: "m") == "m")
        #expect(SecretSeal.saltKey(environment: ["LITELLM_SALT_KEY": "l"], masterKey: "m") == "l")
        #expect(SecretSeal.saltKey(environment: ["LITELLM_SALT_KEY": "l", "GATEHOUSE_SALT_KEY": "g"], masterKey: "m") == "g")
    }
}
