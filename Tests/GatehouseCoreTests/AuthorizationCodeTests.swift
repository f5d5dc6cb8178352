import GatehouseCore
import Testing

@Suite("PKCE and redirect URIs")
struct AuthorizationCodeTests {
    /// RFC 7636 Appendix B's example.
    @Test func theS256ChallengeIsRFC7636s() {
        #expect(PKCE.challenge(of: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.isWellFormed("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        #expect(
            !PKCE.isWellFormed("short") && !PKCE.isWellFormed(String(repeating: "a", count: 129))
                && !PKCE.isWellFormed(String(repeating: "a", count: 42) + "+"))
        #expect(PKCE.isWellFormedChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") && !PKCE.isWellFormedChallenge("plain"))
    }

    @Test func redirectURIsAreComparedExactlyButALoopbacksPort() {
        let registered = ["https://app.example.com/cb", "http://127.0.0.1/callback", "com.example.app:/oauth"]
        #expect(RedirectURI.matches(registered: registered, presented: "https://app.example.com/cb"))
        for presented in [
            "https://app.example.com/cB", "https://app.example.com/cb/", "https://app.example.com/cb?x=1", "https://app.example.com:444/cb",
            "http://app.example.com/cb", "https://evil.example/cb", "http://127.0.0.1/callbacK", "http://localhost:5000/callback",
            "com.example.app:/oauth2",
        ] {
            #expect(!RedirectURI.matches(registered: registered, presented: presented), "\(presented)")
        }
        // RFC 8252 §7.3: a native app's loopback redirect on whatever port it got.
        #expect(RedirectURI.matches(registered: registered, presented: "http://127.0.0.1:53682/callback"))
        #expect(RedirectURI.matches(registered: registered, presented: "com.example.app:/oauth"))
    }

    @Test func onlySafeRedirectURIsMayBeRegistered() {
        for good in ["https://app.example.com/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb", "http://localhost/cb", "com.example.app:/oauth"] {
            #expect(RedirectURI.isAcceptable(good), "\(good)")
        }
        for bad in [
            "http://app.example.com/cb", "https:///cb", "https://app.example.com/cb#frag", "javascript:alert(1)", "data:text/html,x",
            "file:///etc/passwd",
            "myapp:/cb", "/relative", "",
        ] {
            #expect(!RedirectURI.isAcceptable(bad), "\(bad)")
        }
    }
}
