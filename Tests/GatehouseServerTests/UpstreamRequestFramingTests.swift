import GatehouseCore
import HTTPTypes
import NIOCore
import Testing

@testable import GatehouseProviders

/// Gatehouse's own client frames its requests itself (`UpstreamRequestFraming`), below NIO's
/// response decoder, instead of through NIO's request encoder and header validator: a real
/// upstream receives exactly what was meant, and nothing a field carries reaches the wire as a
/// line of its own.
@Suite("Upstream request framing")
struct UpstreamRequestFramingTests {
    static let timeouts = UpstreamTimeouts(firstByte: .seconds(30), total: .seconds(30))

    @Test func theBytesAreTheRequestLineHostFieldsLengthAndBody() throws {
        let target = try #require(UpstreamTarget(url: "http://upstream.test:8080/v1/chat/completions?api-version=1"))
        let bytes = try UpstreamRequestFraming.frame(
            method: "POST", target: target, headers: [("authorization", "Bearer sk-up"), ("x-note", "tab\tand ünïcødé")],
            body: ByteBuffer(string: "{}"))
        #expect(
            String(buffer: bytes)
                == "POST /v1/chat/completions?api-version=1 HTTP/1.1\r\nhost: upstream.test:8080\r\nauthorization: Bearer sk-up\r\n"
                + "x-note: tab\tand ünïcødé\r\ncontent-length: 2\r\n\r\n{}")
    }

    @Test(arguments: [
        ("x-note", "one\r\nx-injected: 1"), ("x-note", "line\nfeed"), ("x-note", "carriage\rreturn"), ("x-note", "nul\u{0}byte"),
        ("x-note", "delete\u{7F}"), ("x-bad name", "value"), ("x-colon:", "value"), ("", "value"), ("x-bad\r\nname", "value"),
    ])
    func aFieldThatCouldEndTheHeadIsRefused(name: String, value: String) throws {
        let target = try #require(UpstreamTarget(url: "http://upstream.test/v1/x"))
        #expect(throws: TransportError.self) {
            try UpstreamRequestFraming.frame(method: "POST", target: target, headers: [(name, value)], body: ByteBuffer())
        }
    }

    @Test func aMethodOrTargetThatCouldSplitTheRequestLineIsRefused() throws {
        let target = try #require(UpstreamTarget(url: "http://upstream.test/v1/x"))
        for method in ["PO ST", "POST\r\n", ""] {
            #expect(throws: TransportError.self) { try UpstreamRequestFraming.frame(method: method, target: target, headers: [], body: ByteBuffer()) }
        }
        for url in ["http://upstream.test/v1/x y", "http://upstream.test/v1/x\r\nx-injected: 1", "http://upstream.test/v1/ünï"] {
            let target = try #require(UpstreamTarget(url: url))
            #expect(throws: TransportError.self) { try UpstreamRequestFraming.frame(method: "POST", target: target, headers: [], body: ByteBuffer()) }
        }
    }

    @Test func aKeptStartFramesThePostAsFramingItWholeDoesAndBadTargetsAreRefusedEachTime() throws {
        let targets = UpstreamTargets(limit: 2)
        let url = "http://upstream.test:8080/v1/chat/completions?api-version=1"
        let post = UpstreamRequest(url: url, headers: [("authorization", "Bearer sk-up")], body: ByteBuffer(string: "{}"))
        let entry = try #require(targets.entry(for: url))
        let whole = try UpstreamRequestFraming.frame(method: "POST", target: entry.target, headers: post.headers, body: post.body)
        #expect(try targets.frame(post, to: entry) == whole)
        #expect(try targets.frame(post, to: try #require(targets.entry(for: url))) == whole)  // kept: the same bytes
        // Another method is framed whole, with its own request line.
        var get = post
        get.method = "GET"
        #expect(String(buffer: try targets.frame(get, to: entry)).hasPrefix("GET /v1/chat/completions?api-version=1 HTTP/1.1\r\n"))
        // A field that could end the head is refused after a kept start too.
        var injected = post
        injected.headers = [("x-note", "one\r\nx-injected: 1")]
        #expect(throws: TransportError.self) { try targets.frame(injected, to: entry) }
        // A target that could split the request line has no kept start, and is refused every time.
        let bad = try #require(targets.entry(for: "http://upstream.test/v1/x y"))
        #expect(bad.postStart == nil)
        #expect(throws: TransportError.self) {
            try targets.frame(UpstreamRequest(url: "http://upstream.test/v1/x y", headers: [], body: ByteBuffer()), to: bad)
        }
        // Not a URL: nothing kept.
        #expect(targets.entry(for: "ftp://upstream.test/x") == nil)
        #expect(targets.count == 2)
        // Past the bound the table starts again.
        _ = targets.entry(for: "http://upstream.test/v1/third")
        #expect(targets.count == 1)
    }

    @Test func aRealUpstreamReceivesTheRequestAsMeantOnOneConnectionAfterAnother() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(["ok": true]) }
        let transport = try NIOHTTPTransport(connectTimeout: .seconds(5), idleTimeout: .seconds(30))
        try await upstream.run { port in
            for index in 0..<3 {
                let request = UpstreamRequest(
                    url: "http://127.0.0.1:\(port)/v1/chat/completions?n=\(index)",
                    headers: [("authorization", "Bearer sk-up"), ("x-index", "\(index)")],
                    body: ByteBuffer(string: #"{"n":\#(index)}"#))
                let response = try await transport.send(request, timeouts: Self.timeouts)
                #expect(response.status == 200)
                #expect(String(buffer: try await response.body.collect(upTo: 1024)) == #"{"ok":true}"#)
            }
            // A method without a body, and one whose answer has none (the decoder knows it was HEAD).
            let get = try await transport.send(
                UpstreamRequest(url: "http://127.0.0.1:\(port)/v1/models", method: "GET", headers: [], body: ByteBuffer()), timeouts: Self.timeouts)
            #expect(get.status == 200)
            _ = try await get.body.collect(upTo: 1024)
            let head = try await transport.send(
                UpstreamRequest(url: "http://127.0.0.1:\(port)/v1/models", method: "HEAD", headers: [], body: ByteBuffer()), timeouts: Self.timeouts)
            #expect(head.status == 200)
            #expect(try await head.body.collect(upTo: 1024).readableBytes == 0)
            // And the connection still serves a request after the bodiless answer.
            let after = try await transport.send(
                UpstreamRequest(url: "http://127.0.0.1:\(port)/v1/x", headers: [], body: ByteBuffer(string: "{}")), timeouts: Self.timeouts)
            #expect(after.status == 200)
            _ = try await after.body.collect(upTo: 1024)
        }
        let requests = upstream.requests
        #expect(requests.count == 6)
        for (index, request) in requests.prefix(3).enumerated() {
            #expect(request.method == "POST" && request.path == "/v1/chat/completions?n=\(index)")
            #expect(request.authority?.hasPrefix("127.0.0.1:") == true)
            #expect(request.header("authorization") == "Bearer sk-up" && request.header("x-index") == "\(index)")
            #expect(request.header("content-length") == String(request.text.utf8.count) && request.text == #"{"n":\#(index)}"#)
        }
        #expect(requests.dropFirst(3).map(\.method) == ["GET", "HEAD", "POST"])
    }

    @Test func aFieldWithALineEndIsNotSentAtAll() async throws {
        let upstream = RecordingUpstream { _, _ in RecordingUpstream.json(["ok": true]) }
        let transport = try NIOHTTPTransport(connectTimeout: .seconds(5), idleTimeout: .seconds(30))
        try await upstream.run { port in
            let request = UpstreamRequest(
                url: "http://127.0.0.1:\(port)/v1/x", headers: [("x-note", "a\r\n\r\nPOST /admin HTTP/1.1")], body: ByteBuffer(string: "{}"))
            await #expect(throws: TransportError.self) { try await transport.send(request, timeouts: Self.timeouts) }
        }
        #expect(upstream.requests.isEmpty)
    }
}
