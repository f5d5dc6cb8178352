import GatehouseCore
import GatehouseProviders
public import Hummingbird

extension ProxyRoutes {
    /// `/v1/audio/transcriptions` (and Azure's `/openai/deployments/{d}/audio/transcriptions`):
    /// a `multipart/form-data` upload of at most `maxAudioBytes`, checked like any model request
    /// and sent on with the model renamed. `/v1/audio/speech` is a JSON request (`register`).
    func registerAudio(on router: some RouterMethods<AuthenticatedContext>) {
        for prefix in ["/v1/", "/"] {
            router.post(RouterPath(prefix + Self.transcriptionsPath)) { request, context in try await self.transcribe(request, context, model: nil) }
        }
        router.post(RouterPath("/openai/deployments/{deployment}/" + Self.transcriptionsPath)) { request, context in
            try await self.transcribe(request, context, model: context.parameters.get("deployment"))
        }
    }

    func transcribe(_ request: Request, _ context: AuthenticatedContext, model pathModel: String?) async throws -> Response {
        let bytes = try await collect(request, context: context, limit: maxAudioBytes)
        let form: MultipartForm
        do {
            form = try MultipartForm(contentType: request.headers[.contentType] ?? "", body: bytes.readableBytesView)
        } catch .notMultipart {
            throw GatewayError.invalidRequest("A transcription is a multipart/form-data upload (`file`, `model`).")
        } catch .malformed(let what) {
            throw GatewayError.invalidRequest("The multipart/form-data body is malformed: \(what).")
        }
        guard form.parts.contains(where: { $0.name == "file" && $0.filename != nil }) else {
            throw GatewayError.invalidRequest("`file` (an audio file) is required.", param: "file")
        }
        if form.value("stream") == "true" {
            throw GatewayError.invalidRequest("Streamed transcriptions are not supported.", param: "stream")
        }
        var body = form.fields
        body["stream"] = nil
        var forward = try check(.audioTranscriptions, body, request: request, context: context, model: pathModel, severalModels: false)
        forward.multipart = form
        return Self.response(to: try await exchange(forward, bodyBytes: bytes.readableBytes, context: context))
    }
}
