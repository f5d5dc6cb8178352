import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/v1/audio/speech` (JSON in, audio out, billed by the character) and
/// `/v1/audio/transcriptions` (a bounded multipart upload, billed by the second), authorized,
/// limited and budgeted like chat.
@Suite("Audio speech and transcriptions, live")
struct AudioLiveTests {
    static var config: GatehouseConfig {
        var speech = Deployment.mock(modelName: "mock-tts")
        speech.inputCostPerCharacter = 0.001
        var whisper = Deployment.mock(modelName: "mock-whisper")
        whisper.inputCostPerSecond = 0.01
        var config = GatehouseConfig(models: [speech, whisper, Deployment.mock(modelName: "mock-gpt")])
        config.models.append(deployment("claude", provider: .anthropic, port: 9, id: "claude"))
        config.server.listener.maxAudioRequestBytes = 200_000
        return config
    }

    static let boundary = "gatehouse-test-boundary"

    /// A transcription upload: `fields` as text parts, and a file of `fileBytes` bytes.
    static func form(_ fields: [(String, String)], fileBytes: Int = 48_000) -> ByteBuffer {
        var body = ""
        for (name, value) in fields { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
        var buffer = ByteBuffer(string: body)
        if fileBytes > 0 {
            buffer.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            buffer.writeBytes([UInt8](repeating: 0x52, count: fileBytes))
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    func transcribe(
        _ client: some TestClientProtocol, _ body: ByteBuffer, path: String = "/v1/audio/transcriptions",
        key: String = TestKeys.master, contentType: String = "multipart/form-data; boundary=\(Self.boundary)"
    ) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(key)", .contentType: contentType], body: body) { $0 }
    }

    @Test func speechIsAudioBilledByTheCharacter() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let spoken = try await client.post("/v1/audio/speech", ["model": "mock-tts", "input": "hello", "voice": "alloy"])
            #expect(spoken.status == .ok && spoken.text == "MOCK-AUDIO:hello")
            #expect(spoken.headers[.contentType] == "audio/mpeg")
            #expect(spoken.headers[HTTPField.Name("x-litellm-response-cost")!] == "0.005")
            _ = try await eventually { try await client.get("/spend/logs").json?.arrayValue?.isEmpty == false }
            let row = try #require(try await client.get("/spend/logs").json?.arrayValue?.first)
            #expect(row["prompt_tokens"] == 5 && row["spend_exact"] == "0.005" && row["model"] == "mock-tts")

            // $0.01 left: ten characters fit, eleven do not.
            let key = try #require(try await client.post("/key/generate", ["max_budget": 0.01]).json?["key"]?.stringValue)
            let long = try await client.post("/audio/speech", ["model": "mock-tts", "input": "hello world", "voice": "alloy"], headers: bearer(key))
            #expect(long.json?["error"]?["message"]?.stringValue?.contains("Budget has been exceeded!") == true)
            #expect(
                try await client.post("/audio/speech", ["model": "mock-tts", "input": "hello", "voice": "a"], headers: bearer(key)).status == .ok)
            // Shown priced by the unit it bills, not by the token.
            let info = try await client.get("/model/info").json?["data"]?.arrayValue ?? []
            let tts = try #require(info.first { $0["model_name"] == "mock-tts" })
            #expect(tts["litellm_params"]?["input_cost_per_character"] == 0.001 && tts["litellm_params"]?["input_cost_per_token"] == nil)
            // An Anthropic model speaks no audio: a clear 400.
            #expect(try await client.post("/v1/audio/speech", ["model": "claude", "input": "x", "voice": "a"]).status == .badRequest)
        }
    }

    @Test func transcriptionsAreBilledByTheSecond() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let answer = try await transcribe(client, Self.form([("model", "mock-whisper"), ("language", "en")]))
            #expect(answer.status == .ok && answer.json?["text"] == "mock transcript of 48000 bytes")
            // 48,000 bytes at the mock's 16 kB/s: three seconds at $0.01.
            #expect(answer.headers[HTTPField.Name("x-litellm-response-cost")!] == "0.03")

            // Plain text says no duration: billed its worst case (a second per 500 bytes).
            let text = try await transcribe(client, Self.form([("model", "mock-whisper"), ("response_format", "text")], fileBytes: 1000))
            #expect(text.status == .ok && text.text == "mock transcript of 1000 bytes" && text.headers[.contentType] == "text/plain")
            #expect(text.headers[HTTPField.Name("x-litellm-response-cost")!] == "0.03")

            // Azure's path names the deployment; the body's model is then not needed.
            let azure = try await transcribe(client, Self.form([]), path: "/openai/deployments/mock-whisper/audio/transcriptions")
            #expect(azure.status == .ok)

            let narrow = try #require(try await client.post("/key/generate", ["models": ["mock-tts"]]).json?["key"]?.stringValue)
            let refused = try await transcribe(client, Self.form([("model", "mock-whisper")]), key: narrow)
            #expect(refused.status == .forbidden && refused.json?["error"]?["type"] == "key_model_access_denied")
        }
    }

    @Test func badUploadsAreRefusedClearly() async throws {
        try await withGatehouse(Self.config) { client, _ in
            let json = try await transcribe(client, ByteBuffer(string: "{\"model\": \"mock-whisper\"}"), contentType: "application/json")
            #expect(json.status == .badRequest && json.json?["error"]?["message"]?.stringValue?.contains("multipart/form-data") == true)
            let noFile = try await transcribe(client, Self.form([("model", "mock-whisper")], fileBytes: 0))
            #expect(noFile.status == .badRequest && noFile.json?["error"]?["param"] == "file")
            let unterminated = try await transcribe(
                client, ByteBuffer(string: "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nx"))
            #expect(unterminated.status == .badRequest)
            let noModel = try await transcribe(client, Self.form([]))
            #expect(noModel.status == .badRequest && noModel.json?["error"]?["param"] == "model")
            let unknown = try await transcribe(client, Self.form([("model", "nothing")]))
            #expect(unknown.status == .notFound)
            let streamed = try await transcribe(client, Self.form([("model", "mock-whisper"), ("stream", "true")]))
            #expect(streamed.status == .badRequest && streamed.json?["error"]?["param"] == "stream")
            // The process is still serving.
            #expect(try await transcribe(client, Self.form([("model", "mock-whisper")])).status == .ok)
            // Refused with `Connection: close` (the test client's connection is not used again).
            let tooLarge = try await transcribe(client, Self.form([("model", "mock-whisper")], fileBytes: 250_000))
            #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.connection] == "close")
        }
    }

    /// An upload is bounded by `max_audio_request_bytes`, a JSON body by `max_request_body_bytes`,
    /// each by its own whichever is larger, on the listener that serves both.
    @Test func uploadsAndJSONBodiesHaveTheirOwnBounds() async throws {
        var config = Self.config
        config.server.listener.maxRequestBodyBytes = 100_000
        try await withGatehouse(config) { client, _ in
            let upload = try await transcribe(client, Self.form([("model", "mock-whisper")], fileBytes: 150_000))
            #expect(upload.status == .ok)
            let azure = try await transcribe(client, Self.form([], fileBytes: 150_000), path: "/openai/deployments/mock-whisper/audio/transcriptions")
            #expect(azure.status == .ok)
            let small = try await client.post("/v1/chat/completions", ["model": "mock-gpt", "messages": [["role": "user", "content": "hi"]]])
            #expect(small.status == .ok)
        }
        // Each refusal closes its connection (`Connection: close`): one live Gatehouse each.
        try await withGatehouse(config) { client, _ in
            let tooLarge = try await transcribe(client, Self.form([("model", "mock-whisper")], fileBytes: 210_000))
            #expect(tooLarge.status == .contentTooLarge && tooLarge.json?["error"]?["message"] != nil)
        }
        try await withGatehouse(config) { client, _ in
            let padding = String(repeating: "a", count: 150_000)
            let chat = try await client.post(
                "/v1/chat/completions", ["model": "mock-gpt", "messages": [["role": "user", "content": .string(padding)]]])
            #expect(chat.status == .contentTooLarge)
        }
    }
}
