import GatehouseCore
import Testing

@Suite("The client's address behind proxies")
struct ForwardedForTests {
    let trusted = [IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!]

    /// The address as read through proxies writing `X-Forwarded-For` (the default), or, when
    /// `forwarded` is given, through proxies writing `Forwarded`.
    func client(_ peer: String, forwarded: String? = nil, xff: String? = nil) -> String {
        forwarded == nil
            ? ForwardedFor.client(peer: peer, trusted: trusted, header: .xForwardedFor, value: xff)
            : ForwardedFor.client(peer: peer, trusted: trusted, header: .forwarded, value: forwarded)
    }

    @Test func onlyTrustedProxiesAreBelieved() {
        // An untrusted peer's header means nothing.
        #expect(client("203.0.113.5", xff: "10.1.1.1") == "203.0.113.5")
        #expect(ForwardedFor.client(peer: "10.0.0.1", trusted: [], header: .xForwardedFor, value: "1.2.3.4") == "10.0.0.1")
        // From a trusted proxy: the first untrusted hop from the right, whatever the client put on the left.
        #expect(client("10.0.0.1", xff: "10.9.9.9, 198.51.100.7") == "198.51.100.7")
        #expect(client("10.0.0.1", xff: "198.51.100.7, 10.0.0.2") == "198.51.100.7")
        #expect(client("10.0.0.1", xff: "1.1.1.1,198.51.100.7 , 10.0.0.2, 10.0.0.3") == "198.51.100.7")
        // Every hop trusted: the leftmost; no header: the proxy itself.
        #expect(client("10.0.0.1", xff: "10.0.0.7, 10.0.0.2") == "10.0.0.7")
        #expect(client("10.0.0.1") == "10.0.0.1")
        // IPv4-mapped IPv6 peers count as their IPv4 address.
        #expect(client("::ffff:10.0.0.1", xff: "198.51.100.7") == "198.51.100.7")
        #expect(client("fd00::1", xff: "2001:db8::9") == "2001:db8::9")
    }

    /// Attack: behind nginx (which appends to X-Forwarded-For and passes other headers through),
    /// a client sends its own `Forwarded: for=10.0.0.5` to claim a trusted address. Only the
    /// configured header is read, so the address is the one nginx appended.
    @Test func aClientsOwnForwardedHeaderIsIgnoredBehindAnXForwardedForProxy() {
        let header = ForwardedFor.Header.xForwardedFor
        // The request as the proxy passes it on: the client's `Forwarded` untouched, its address appended to XFF.
        #expect(ForwardedFor.client(peer: "10.0.0.1", trusted: trusted, header: header, value: "198.51.100.7") == "198.51.100.7")
        // And the reverse: behind a proxy writing `Forwarded`, a client's X-Forwarded-For is not read.
        #expect(ForwardedFor.client(peer: "10.0.0.1", trusted: trusted, header: .forwarded, value: nil) == "10.0.0.1")
    }

    @Test func forwardedFormsAreRead() {
        #expect(client("10.0.0.1", forwarded: #"for="[2001:db8::7]:4711";proto=https, for=10.0.0.3"#) == "2001:db8::7")
        #expect(client("10.0.0.1", forwarded: "for=192.0.2.60:8080;by=10.0.0.1") == "192.0.2.60")
        #expect(client("10.0.0.1", forwarded: "For=\"192.0.2.61\"") == "192.0.2.61")
        #expect(client("10.0.0.1", xff: "192.0.2.62:1234") == "192.0.2.62")
        // What is no address stops the walk at the last trusted hop.
        #expect(client("10.0.0.1", forwarded: "for=unknown, for=10.0.0.4") == "10.0.0.4")
        #expect(client("10.0.0.1", xff: "198.51.100.7, 1.2.3.0/8") == "10.0.0.1")
        #expect(client("10.0.0.1", forwarded: "proto=https") == "10.0.0.1")
    }
}
