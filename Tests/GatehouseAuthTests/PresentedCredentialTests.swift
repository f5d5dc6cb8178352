import GatehouseCore
import Testing

@testable import GatehouseAuth

@Suite("The credential a request presents")
struct PresentedCredentialTests {
    private func credential(_ fields: [(String, String)]) throws(GatewayError) -> PresentedCredential? {
        var values = KeyHeaderValues()
        for (name, value) in fields {
            if let position = KeyHeaderValues.position(of: name) { values.add(value, at: position) }
        }
        return try PresentedCredential.extract(values)
    }

    private func refusal(_ fields: [(String, String)]) -> String? {
        do {
            _ = try credential(fields)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func eachKeyHeaderHasItsOwnPositionAndNoOtherNameHasOne() {
        for (index, name) in PresentedCredential.keyHeaders.enumerated() {
            #expect(KeyHeaderValues.position(of: name) == index)
        }
        // Names as long as a key header's, and names that only start like one.
        for name in ["content-length", "authorizatio", "authorization2", "x-litellm-api-kez", "api-kex", "x-api-kez", "host", ""] {
            #expect(KeyHeaderValues.position(of: name) == nil)
        }
    }

    @Test func theBearerSchemeIsReadInAnyCaseWithSpacesAndTabsAroundTheToken() throws {
        for value in ["Bearer sk-1", "bearer sk-1", "BEARER sk-1", "bEaReR \t sk-1\t ", " Bearer sk-1 "] {
            #expect(try credential([("authorization", value)])?.secret == "sk-1")
        }
        // Not the scheme: another one; the scheme without its space, alone (its spaces trimmed
        // with the value's), or with a tab for its space; a digit or a Cyrillic letter in it.
        for value in ["Basic sk-1", "Bearersk-1", "Bearer", "Bearer   ", "Bear3r sk-1", "Beаrer sk-1", "Bearer\tsk-1"] {
            #expect(refusal([("authorization", value)]) == "Authorization header must use the Bearer scheme.")
        }
        #expect(try credential([("authorization", "Bearer ключ-é")])?.secret == "ключ-é")
    }

    @Test func headersWithoutASchemeCarryTheKeyAsItIsAndTwoDifferentKeysAreRefused() throws {
        #expect(try credential([("x-api-key", " sk-2 ")])?.secret == "sk-2")
        #expect(try credential([("authorization", "Bearer sk-3"), ("api-key", "sk-3"), ("x-goog-api-key", "sk-3")])?.secret == "sk-3")
        #expect(refusal([("authorization", "Bearer sk-3"), ("x-litellm-api-key", "sk-4")]) == "The request carries two different credentials.")
        #expect(try credential([("content-type", "application/json")]) == nil)
        #expect(refusal([("api-key", "  ")]) == "Empty credential in the `api-key` header.")
    }

    @Test func twoFieldsOfOneNameAreJoinedAsHTTPJoinsThemAndSoNeverPassAsOneKey() throws {
        var values = KeyHeaderValues()
        values.add("sk-5", at: 3)
        values.add("sk-6", at: 3)
        #expect(values[3] == "sk-5, sk-6")
        #expect(try PresentedCredential.extract(values)?.secret == "sk-5, sk-6")
        #expect(refusal([("authorization", "Bearer sk-5"), ("authorization", "Bearer sk-6")]) == nil)
        #expect(try credential([("authorization", "Bearer sk-5"), ("authorization", "Bearer sk-6")])?.secret == "sk-5, Bearer sk-6")
    }
}
