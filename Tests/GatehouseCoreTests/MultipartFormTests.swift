import GatehouseCore
import Testing

@Suite("multipart/form-data uploads")
struct MultipartFormTests {
    static let body = Array(
        ("preamble\r\n--b0und\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--b0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n\r\n--b0\u{0}x\r\n"
            + "--b0und\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n--b0und--\r\n").utf8)

    @Test func partsAreReadAndTheModelRewritten() throws {
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=\"b0und\"", body: Self.body)
        #expect(form.parts.map(\.name) == ["model", "file", "language"])
        #expect(form.value("model") == "whisper-1" && form.value("file") == nil && form.fileBytes == 8)
        #expect(form.fields == ["model": "whisper-1", "language": "en"])
        // The file's bytes (which contain a near-boundary) survive the rewrite.
        let rewritten = try MultipartForm(contentType: form.contentType, body: form.encoded(setting: "model", to: "up-model"))
        #expect(rewritten.value("model") == "up-model" && rewritten.parts[1] == form.parts[1] && rewritten.value("language") == "en")
        // A form without the field gains it.
        let added = try MultipartForm(contentType: form.contentType, body: form.encoded(setting: "prompt", to: "hi"))
        #expect(added.value("prompt") == "hi" && added.parts.count == 4)
    }

    @Test func whatIsNotAFormIsRefused() {
        #expect(throws: MultipartForm.Failure.notMultipart) { try MultipartForm(contentType: "application/json", body: Self.body) }
        #expect(throws: MultipartForm.Failure.notMultipart) { try MultipartForm(contentType: "multipart/form-data", body: Self.body) }
        let long = String(repeating: "x", count: 71)
        #expect(throws: MultipartForm.Failure.notMultipart) {
            try MultipartForm(contentType: "multipart/form-data; boundary=\(long)", body: Self.body)
        }
        for broken in [
            "--b0und\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nx",  // no closing boundary
            "--b0und\r\nContent-Type: text/plain\r\n\r\nx\r\n--b0und--",  // no name
            "no boundary at all", "--b0und", "--b0undX",
        ] {
            #expect(throws: MultipartForm.Failure.self) {
                try MultipartForm(contentType: "multipart/form-data; boundary=b0und", body: Array(broken.utf8))
            }
        }
        let many = String(repeating: "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n", count: 65) + "--b--"
        #expect(throws: MultipartForm.Failure.malformed("more than 64 parts")) {
            try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Array(many.utf8))
        }
    }

    @Test func transcriptionsAreBilledByTheSecondsTheUpstreamReports() {
        func seconds(_ answer: String, _ type: String = "application/json") -> Int? {
            AudioUsage.of(.audioTranscriptions, body: [:], answer: Array(answer.utf8), contentType: type)?.promptTokens
        }
        #expect(seconds(#"{"text": "hi", "usage": {"type": "duration", "seconds": 9}}"#) == 9)
        #expect(seconds(#"{"text": "hi", "duration": 2.01}"#) == 3)
        #expect(seconds(#"{"text": "hi"}"#) == nil)
        #expect(seconds(#"{"text": "hi", "usage": {"type": "duration", "seconds": -5}}"#) == 0)
        #expect(seconds("1\n00:00:00,000 --> 00:00:01,500\nhi\n\n2\n00:01:02,000 --> 00:01:04,250\nthere\n", "text/plain") == 65)
        #expect(seconds("WEBVTT\n\n00:00.000 --> 00:03.100\nhi\n", "text/vtt") == 4)
        #expect(seconds("just words", "text/plain") == nil)
        let tokens = AudioUsage.of(
            .audioTranscriptions, body: [:], answer: Array(#"{"usage": {"type": "tokens", "input_tokens": 7, "output_tokens": 3}}"#.utf8),
            contentType: "application/json")
        #expect(tokens == Usage(promptTokens: 7, completionTokens: 3))
        // An upstream's absurd counts are held within bounds, as every usage is.
        let absurd = AudioUsage.of(
            .audioTranscriptions, body: [:], answer: Array(#"{"usage": {"type": "tokens", "input_tokens": 1e300, "output_tokens": -4}}"#.utf8),
            contentType: "application/json")
        #expect(absurd == Usage(promptTokens: InputBounds.tokens, completionTokens: 0))
        #expect(seconds(#"{"usage": {"type": "duration", "seconds": 1e300}}"#) == InputBounds.tokens)
        #expect(AudioUsage.of(.audioSpeech, body: ["input": "héllo"], answer: [], contentType: "audio/mpeg")?.promptTokens == 5)
    }
}
