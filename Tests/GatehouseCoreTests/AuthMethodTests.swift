import Foundation
import GatehouseCore
import Testing

@Suite("Authentication method labels")
struct AuthMethodTests {
    /// Issue 19, point 1: a certificate login was `mtls` when it succeeded and
    /// `client_certificate` when it failed. Each method's successes and failures now share one
    /// label; only the master key's failures cannot be told from any other key's.
    @Test func everyMethodsSuccessAndFailureShareItsLabel() {
        let own = "https://gatehouse.test"
        func jwt(issuer: String) -> String {
            "eyJhbGciOiJFUzI1NiJ9." + Base64URL.encode(Array(#"{"iss":"\#(issuer)"}"#.utf8)) + ".c2ln"
        }
        let failed: [Principal.Method: AuthMethod] = [
            .apiKey: AuthMethod.ofFailure(secret: "sk-" + String(repeating: "a", count: 40), certificate: false, ownIssuer: own),
            .jwt: AuthMethod.ofFailure(secret: jwt(issuer: "https://idp.test"), certificate: false, ownIssuer: own),
            .oauth: AuthMethod.ofFailure(secret: jwt(issuer: own), certificate: false, ownIssuer: own),
            .clientCertificate: AuthMethod.ofFailure(secret: nil, certificate: true, ownIssuer: own),
        ]
        for (method, label) in failed { #expect(AuthMethod(method) == label, "\(method)") }
        // An opaque bearer token is checked by introspection: an OAuth token either way.
        #expect(AuthMethod.ofFailure(secret: "opaque-token-123", certificate: false, ownIssuer: own) == AuthMethod(.oauth))
        #expect(AuthMethod.ofFailure(secret: nil, certificate: false, ownIssuer: own) == .none)
        #expect(AuthMethod(.session) == .session && AuthMethod(.masterKey) == .masterKey)
        #expect(Set(Principal.Method.allCases.map(AuthMethod.init)).count == Principal.Method.allCases.count)
    }
}
