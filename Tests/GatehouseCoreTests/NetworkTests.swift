import GatehouseCore
import Testing

@Suite("Networks and forwarded certificates")
struct NetworkTests {
    @Test func networksMatchTheirAddressesOnly() throws {
        let private10 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(private10.contains("10.255.1.2") && !private10.contains("11.0.0.1"))
        // An IPv4-mapped IPv6 address is the IPv4 address it carries.
        #expect(private10.contains("::ffff:10.1.2.3"))
        let docs = try #require(IPNetwork("2001:db8::/32"))
        #expect(docs.contains("2001:db8:1::5") && !docs.contains("2001:db9::1") && !docs.contains("10.0.0.1"))
        let single = try #require(IPNetwork("192.168.1.7"))
        #expect(single.contains("192.168.1.7") && !single.contains("192.168.1.8"))
        #expect(IPNetwork("0.0.0.0/0")?.contains("203.0.113.9") == true)
        for bad in ["10.0.0.0/33", "example.com", "10.0.0/8", "::1/129", ""] { #expect(IPNetwork(bad) == nil, "\(bad)") }
    }

    @Test func theLastElementOfAnEnvoyHeaderIsTheCertificate() throws {
        let hash = String(repeating: "0f", count: 32)
        let header =
            "By=spiffe://a;Hash=\(String(repeating: "aa", count: 32));URI=spiffe://first,"
            + "By=spiffe://gatehouse;Hash=\(hash);Subject=\"CN=search,O=Acme, Inc.\";URI=spiffe://acme/search;DNS=search.acme;DNS=alt.acme"
        let certificate = try #require(ForwardedClientCertificate.parse(header))
        #expect(certificate.fingerprint == hash && certificate.uris == ["spiffe://acme/search"])
        #expect(certificate.dnsNames == ["search.acme", "alt.acme"] && certificate.subjectCommonName == "search")
        #expect(certificate.identity(.sanURI) == "san_uri:spiffe://acme/search")
        #expect(ForwardedClientCertificate.parse("URI=spiffe://no-hash") == nil)
        #expect(ForwardedClientCertificate.parse("Hash=xyz;URI=spiffe://bad-hash") == nil)
    }
}
