import Foundation
public import GatehouseCore
import NIOCore
import NIOHTTP1

/// Sends a client's request upstream through the router and brings the answer back in the
/// client's dialect.
public struct Forwarder: Sendable {
    public let router: ModelRouter
    public let settings: UpstreamSettings
    /// Upper bound on a non-streamed upstream body.
    public var maxResponseBytes = 64 * 1024 * 1024

    public init(router: ModelRouter, settings: UpstreamSettings) {
        self.router = router
        self.settings = settings
    }

    /// - Parameters:
    ///   - mayUse: whether the caller may use a model (fallbacks it may not are skipped).
    ///   - onStreamEnd: called once when a stream ends or is abandoned, with how it ended and the
    ///     deployment that streamed it.
    public func forward(
        _ request: ForwardRequest, mayUse: (String) -> Bool = { _ in true },
        onStreamEnd: @escaping @Sendable (StreamEnd, Deployment) -> Void = { _, _ in }
    ) async throws -> ForwardResult {
        try await router.run(model: request.model, region: request.region, mayUse: mayUse) { adapter in
            var upstreamRequest = try adapter.makeRequest(
                request.endpoint, body: request.body, stream: request.stream, anthropic: request.anthropic, multipart: request.multipart)
            let streams = request.stream && request.endpoint.streams
            if !streams { upstreamRequest.wholeBodyLimit = maxResponseBytes }
            let deployment = adapter.deployment
            let total = deployment.timeout ?? settings.requestTimeout
            let timeouts = UpstreamTimeouts(
                firstByte: .seconds(fractional: min(settings.firstByteTimeout, total)),
                total: .seconds(fractional: request.stream ? deployment.streamTimeout ?? total : total)
            )
            let response: UpstreamResponse
            do {
                response = try await adapter.transport.send(upstreamRequest, timeouts: timeouts)
            } catch let error as TransportError {
                throw AttemptFailure(error.kind == .timeout ? .timeout : .unreachable, message: error.description)
            }
            guard (200..<300).contains(response.status) else {
                throw try await failure(response, deployment: deployment)
            }
            if streams {
                var translator = adapter.streamTranslator(request.endpoint, clientModel: request.model, clientWantsUsage: request.clientWantsUsage)
                if let shape = request.responses { translator = ComposedStreamTranslator(translator, then: ChatToResponsesStream(shape: shape)) }
                let stream = TranslatedEventStream(
                    upstream: response.body, translator: translator, clientDialect: request.endpoint.clientDialect,
                    report: StreamReport { end in onStreamEnd(end, deployment) }, knownResponseID: request.responses?.id
                )
                return .stream(stream, deployment: deployment)
            }
            let bytes = try await collect(response.body)
            if request.endpoint == .audioSpeech || request.endpoint == .audioTranscriptions {
                let type = Self.audioContentType(response.headers.first(name: "content-type"))
                let usage = AudioUsage.of(request.endpoint, body: request.body, answer: bytes.readableBytesView, contentType: type)
                return .complete(body: bytes, usage: usage, deployment: deployment, responseID: nil, contentType: type)
            }
            // An answer handed on as it came is built only as far as it is read.
            let parsed =
                if let names = request.responses == nil ? adapter.membersRead(request.endpoint) : nil {
                    try? JSONCoding.decode(bytes.readableBytesView, keeping: names)
                } else {
                    try? JSONCoding.decode(bytes.readableBytesView)
                }
            guard let json = parsed else {
                throw AttemptFailure(.status(502), message: "upstream answered with a body that is not JSON")
            }
            let (translated, usage) = adapter.translateResponse(request.endpoint, body: json, clientModel: request.model)
            if let shape = request.responses {
                let response = ChatToResponses.response(translated, shape: shape)
                return .complete(body: ByteBuffer(bytes: JSONCoding.encode(response)), usage: usage, deployment: deployment, responseID: shape.id)
            }
            let body = adapter.upstreamDialect == request.endpoint.clientDialect ? bytes : ByteBuffer(bytes: JSONCoding.encode(translated))
            return .complete(body: body, usage: usage, deployment: deployment, responseID: ResponseID.of(translated["id"]))
        }
    }

    /// The type an audio answer is passed on with: audio, or what a transcription is written as
    /// (JSON, text, subtitles); anything else (a page a browser would render) as plain bytes.
    static func audioContentType(_ type: String?) -> String {
        guard let type else { return "application/octet-stream" }
        let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let passed = ["application/json", "text/plain", "text/vtt", "application/x-subrip", "text/srt", "application/octet-stream"]
        return media.hasPrefix("audio/") || passed.contains(media) ? type : "application/octet-stream"
    }

    private func collect(_ body: UpstreamBody) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: maxResponseBytes)
        } catch let error as TransportError {
            throw AttemptFailure(error.kind == .timeout ? .timeout : .unreachable, message: error.description)
        }
    }

    /// 429 and 5xx may succeed elsewhere; any other status is the client's problem and returned as is.
    private func failure(_ response: UpstreamResponse, deployment: Deployment) async throws -> any Error {
        let bytes = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
        let json = try? JSONCoding.decode(bytes.readableBytesView)
        // Every string taken from the upstream's error passes here, on its way to the client,
        // the logs and the audit trail alike.
        let clean = UpstreamErrorText(deployment: deployment)
        let message = clean(ProviderAdapter.errorMessage(from: json)) ?? "upstream returned status \(response.status)"
        if response.status == 429 || response.status >= 500 {
            return AttemptFailure(.status(response.status), message: message)
        }
        var error = GatewayError.upstream(status: response.status, message: message)
        error.type = clean(json?["error"]?["type"]?.stringValue) ?? "invalid_request_error"
        error.param = clean(json?["error"]?["param"]?.stringValue)
        return error
    }
}

/// A string from an upstream's error, made fit to pass on: some upstreams echo the credential
/// they were given (in `message`, `type` or `param`), and that is the deployment's key (or a
/// header value the operator configured), never the client's to see; and an upstream does not
/// get to send a client a novel.
public struct UpstreamErrorText: Sendable {
    let secrets: [String]
    static let maxLength = 2048

    public init(deployment: Deployment) {
        secrets = ([deployment.apiKey].compactMap { $0 } + deployment.extraHeaders.values).filter { $0.count >= 8 }
    }

    public func callAsFunction(_ text: String?) -> String? {
        guard var text else { return nil }
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "[redacted]") }
        return text.count > Self.maxLength ? String(text.prefix(Self.maxLength)) + "…" : text
    }
}
