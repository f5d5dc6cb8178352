import Foundation
import GatehouseAuth
import GatehouseCore
import HTTPTypes
import Testing

@testable import GatehouseServer

/// The sealed cookie that carries a browser's single sign-on from start to callback.
@Suite struct SSOFlowCookieTests {
    let cookie = SSOFlowCookie(seal: SecretSeal(saltKey: "a salt key for the tests", purpose: "gatehouse sso sign-in v1"), secure: true)
    let flow = SSOFlowCookie.Flow(
        provider: "corp", attempt: .init(state: "s", nonce: "n", verifier: String(repeating: "v", count: 43)), returnTo: "/ui/keys",
        expiresAt: Date(timeIntervalSince1970: 2_000_000_000))

    func headers(_ setCookie: String) -> HTTPFields {
        [.cookie: String(setCookie.split(separator: ";")[0])]
    }

    @Test func aFlowComesBackAsItWentAndOnlyUntilItExpires() {
        let set = cookie.setting(flow)
        #expect(set.hasPrefix("__Secure-gatehouse_sso=") && set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/sso/"))
        #expect(cookie.flow(in: headers(set), now: Date(timeIntervalSince1970: 1_999_999_999)) == flow)
        #expect(cookie.flow(in: headers(set), now: Date(timeIntervalSince1970: 2_000_000_000)) == nil)
    }

    @Test func behindAProxysPrefixTheCookieGoesWhereTheCallbackWillArrive() {
        let set = cookie.setting(flow, prefix: "/gatehouse")
        #expect(set.contains("Path=/gatehouse/sso/") && cookie.flow(in: headers(set), now: .distantPast) == flow)
        #expect(cookie.clearing(prefix: "/gatehouse").contains("Path=/gatehouse/sso/") && cookie.clearing().contains("Path=/sso/"))
    }

    @Test func aCookieSealedElsewhereOrAlteredIsNoFlow() {
        let set = cookie.setting(flow)
        let other = SSOFlowCookie(seal: SecretSeal(saltKey: "a salt key for the tests"), secure: true)  // the stored secrets' key
        #expect(other.flow(in: headers(set), now: Date(timeIntervalSince1970: 0)) == nil)
        var value = String(set.split(separator: ";")[0])
        let last = value.removeLast()
        value.append(last == "A" ? "B" : "A")
        #expect(cookie.flow(in: [.cookie: value], now: Date(timeIntervalSince1970: 0)) == nil)
        #expect(cookie.flow(in: [.cookie: "__Secure-gatehouse_sso=v1:" + String(repeating: "A", count: 5000)], now: .distantPast) == nil)
    }

    @Test func onlyAPathOfThisServerIsWhereASignInReturns() {
        for good in ["/ui", "/device?user_code=BCDF-GHJK", "/oauth/authorize?client_id=x&state=y"] {
            #expect(SSOFlowCookie.localPath(good) == good)
        }
        for bad in [nil, "", "ui", "https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "/a b", "/x\u{7F}"] {
            #expect(SSOFlowCookie.localPath(bad) == "/login", "\(bad ?? "nil")")
        }
    }
}
