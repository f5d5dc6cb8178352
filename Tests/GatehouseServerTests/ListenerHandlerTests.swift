import Foundation
import GatehouseCore
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import GatehouseServer

/// The listener's own channel handlers on embedded channels, without a socket: the 431 answer to
/// oversized headers, and the capture of a client certificate from a real TLS handshake.
@Suite("Listener channel handlers")
struct ListenerHandlerTests {
    @Test func headerOverflowIsAnswered431WithTheEnvelopeAndTheConnectionClosed() throws {
        let channel = EmbeddedChannel(handler: HeaderLimitResponder())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        channel.pipeline.fireErrorCaught(HTTPParserError.headerOverflow)
        guard case .head(let head)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(head.status.code == 431 && head.headerFields[.connection] == "close")
        guard case .body(let body)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response body")
            return
        }
        let envelope = try JSONCoding.decode(body.readableBytesView)
        #expect(envelope["error"]?["code"] == "request_header_fields_too_large")
        #expect(head.headerFields[.contentLength] == "\(body.readableBytes)")
        guard case .end? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response end")
            return
        }
        #expect(!channel.isActive)
    }

    @Test func otherErrorsPassThroughUntouched() throws {
        let channel = EmbeddedChannel(handler: HeaderLimitResponder())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        channel.pipeline.fireErrorCaught(HTTPParserError.invalidMethod)
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(throws: HTTPParserError.invalidMethod) { try channel.throwIfErrorCaught() }
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    /// Moves bytes between the two ends until neither has anything more to send.
    func interact(_ client: EmbeddedChannel, _ server: EmbeddedChannel) throws {
        var moved = true
        while moved {
            moved = false
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                try server.writeInbound(bytes)
                moved = true
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                try client.writeInbound(bytes)
                moved = true
            }
        }
    }

    @Test func aHandshakesVerifiedCertificateIsRecordedForItsConnectionAndForgottenAtClose() throws {
        let pki = try TestPKI.make()
        let alice = try pki.issue(
            "alice", commonName: "alice", names: [.uniformResourceIdentifier("spiffe://gatehouse.test/alice"), .dnsName("alice.test")])
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKeyFile, format: .pem)))
        serverTLS.certificateVerification = .noHostnameVerification
        serverTLS.trustRoots = .file(pki.caFile)
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.trustRoots = .file(pki.caFile)
        clientTLS.certificateVerification = .noHostnameVerification
        clientTLS.certificateChain = try NIOSSLCertificate.fromPEMFile(alice.certificate).map { .certificate($0) }
        clientTLS.privateKey = .privateKey(try NIOSSLPrivateKey(file: alice.key, format: .pem))

        let registry = ClientCertificates()
        let server = EmbeddedChannel()
        try server.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: try NIOSSLContext(configuration: serverTLS)))
        try server.pipeline.syncOperations.addHandler(registry.capture())
        let client = EmbeddedChannel()
        try client.pipeline.syncOperations.addHandler(
            try NIOSSLClientHandler(context: try NIOSSLContext(configuration: clientTLS), serverHostname: nil))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4000)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
        #expect(registry.certificate(for: server) == nil)
        try interact(client, server)

        let recorded = try #require(registry.certificate(for: server))
        #expect(recorded.subjectCommonName == "alice")
        #expect(recorded.uris == ["spiffe://gatehouse.test/alice"] && recorded.dnsNames == ["alice.test"])
        let der = try pki.certificate(in: alice.certificate).serializeAsPEM().derBytes
        #expect(recorded.fingerprint.count == 64 && recorded.thumbprint == ClientCertificate.thumbprint(hex: recorded.fingerprint))
        #expect(recorded == (try ClientCertificates.read(try NIOSSLCertificate(bytes: der, format: .der))))
        #expect(registry.certificate(for: client) == nil)

        // The client says goodbye (close_notify); the server closes its side, and forgets.
        client.close(promise: nil)
        try interact(client, server)
        #expect(!server.isActive)
        #expect(registry.certificate(for: server) == nil)
    }
}
