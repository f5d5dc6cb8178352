import NIOCore
import Testing

@testable import GatehouseProviders

@Suite("Audio answers' content types")
struct AudioContentTypeTests {
    @Test func onlyAudioAndTranscriptFormatsPassAsTheyAre() {
        for type in ["audio/mpeg", "audio/wav", "application/json", "text/plain; charset=utf-8", "text/vtt", "application/x-subrip"] {
            #expect(Forwarder.audioContentType(type) == type)
        }
        // A page a browser would render (or run) is passed on as bytes.
        for type in ["text/html", "image/svg+xml", "application/javascript", "TEXT/HTML; charset=utf-8", ""] {
            #expect(Forwarder.audioContentType(type) == "application/octet-stream")
        }
        #expect(Forwarder.audioContentType(nil) == "application/octet-stream")
    }
}

@Suite("HTTP client transport")
struct HTTPClientTransportTests {
    /// A transport whose service never ran (an application stopped before its services began)
    /// once stopped the whole process when released.
    @Test func aTransportReleasedWithoutItsServiceClosesItself() async throws {
        for _ in 0..<3 { _ = HTTPClientTransport(connectTimeout: .seconds(1), idleTimeout: .seconds(1)) }
        let used = HTTPClientTransport(connectTimeout: .seconds(1), idleTimeout: .seconds(1))
        try await used.shutdown()
        try await Task.sleep(for: .milliseconds(100))
    }
}
