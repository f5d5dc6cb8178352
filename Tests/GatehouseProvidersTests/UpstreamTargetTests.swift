import Testing

@testable import GatehouseProviders

@Suite("Upstream URLs")
struct UpstreamTargetTests {
    @Test func splitsURLsIntoOriginAndTarget() throws {
        let azure = try #require(UpstreamTarget(url: "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=1"))
        #expect(azure.tls && azure.host == "x.openai.azure.com" && azure.port == 443)
        #expect(azure.target == "/openai/deployments/d/chat/completions?api-version=1")
        #expect(azure.origin.authority == "x.openai.azure.com")
        let local = try #require(UpstreamTarget(url: "http://127.0.0.1:8000/v1/chat/completions"))
        #expect(!local.tls && local.port == 8000 && local.origin.authority == "127.0.0.1:8000")
        let ipv6 = try #require(UpstreamTarget(url: "http://[::1]:9/v1"))
        #expect(ipv6.host == "::1" && ipv6.port == 9)
        #expect(UpstreamTarget(url: "http://host")?.target == "/")
        #expect(UpstreamTarget(url: "http://host?a=1")?.target == "/?a=1")
        let upper = try #require(UpstreamTarget(url: "HTTPS://Host.Example/v1"))
        #expect(upper.tls && upper.host == "Host.Example" && upper.port == 443 && upper.target == "/v1")
        #expect(UpstreamTarget(url: "http://hôst.example:8080/ü?q=é")?.target == "/ü?q=é")
    }

    @Test(arguments: [
        "ftp://x/", "http://", "http://user@host/", "http://host:99999/", "http://host:abc/", "nonsense", "http:/host/", "http:x://host/",
        "httpx://host/",
        "http://[::1/", "http://[::1]x/", "http://:80/",
    ])
    func refusesWhatItCannotConnectTo(url: String) {
        #expect(UpstreamTarget(url: url) == nil)
    }
}
