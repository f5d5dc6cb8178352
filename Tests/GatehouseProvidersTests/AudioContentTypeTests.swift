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
