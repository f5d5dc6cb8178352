import AsyncHTTPClient
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdTesting
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// What the upstream received.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var headers: HTTPFields
    var body: JSONValue?
    /// The body as it arrived, byte for byte.
    var text = ""
    /// The `Host` it was sent to (HTTP types keep it apart from the header fields).
    var authority: String?

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// A local upstream provider for live tests: records every request and answers as the test says
/// (JSON, a slow stream, an error, a stall).
final class RecordingUpstream: Sendable {
    typealias Behaviour = @Sendable (RecordedRequest, Int) async throws -> Response
    private let recorded = Mutex<[RecordedRequest]>([])
    private let behaviour: Behaviour

    init(_ behaviour: @escaping Behaviour) {
        self.behaviour = behaviour
    }

    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    /// - Parameter idleTimeout: how long the upstream keeps an idle keep-alive connection open.
    ///   - tls: serve HTTPS with this certificate instead of plain HTTP.
    func run<T: Sendable>(idleTimeout: Duration? = nil, tls: TestCertificates? = nil, _ test: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.on("**", method: .post) { request, context in try await self.answer(request, context: context) }
        router.on("**", method: .get) { request, context in try await self.answer(request, context: context) }
        router.on("**", method: .head) { request, context in try await self.answer(request, context: context) }
        var logger = Logger(label: "upstream")
        logger.logLevel = .warning
        let idle: TimeAmount? = idleTimeout.map { duration in
            let (seconds, attoseconds) = duration.components
            return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        var server = HTTPServerBuilder.http1(configuration: .init(idleTimeout: idle))
        if let tls {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem))
            )
            server = try .tls(server, tlsConfiguration: configuration)
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: logger
        )
        return try await app.test(.live) { client in try await test(client.port!) }
    }

    private func answer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let bytes = try await request.body.collect(upTo: 16 * 1024 * 1024)
        let record = RecordedRequest(
            method: request.method.rawValue, path: request.uri.description, headers: request.headers,
            body: try? JSONCoding.decode(bytes.readableBytesView), text: String(buffer: bytes), authority: request.head.authority
        )
        let index = recorded.withLock { list in
            list.append(record)
            return list.count - 1
        }
        return try await behaviour(record, index)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.encode(value))))
    }

    /// SSE events written one by one, `delay` apart.
    static func stream(_ events: [String], delay: Duration = .zero) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: .init { writer in
                for (index, event) in events.enumerated() {
                    if index > 0, delay > .zero { try await Task.sleep(for: delay) }
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            })
    }

    static func chatCompletion(_ text: String, model: String = "up-model", prompt: Int = 5, completion: Int = 2) -> JSONValue {
        [
            "id": "chatcmpl-up", "object": "chat.completion", "created": 1, "model": .string(model),
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
            "usage": [
                "prompt_tokens": JSONValue(prompt), "completion_tokens": JSONValue(completion), "total_tokens": JSONValue(prompt + completion),
            ],
        ]
    }

    static func openAIChunks(_ pieces: [String], usage: Bool) -> [String] {
        var events = pieces.map { piece in
            "data: "
                + JSONCoding.encodeString([
                    "id": "chatcmpl-up", "object": "chat.completion.chunk",
                    "choices": [["index": 0, "delta": ["content": .string(piece)], "finish_reason": .null]],
                ]) + "\n\n"
        }
        events.append(
            "data: "
                + JSONCoding.encodeString([
                    "id": "chatcmpl-up", "object": "chat.completion.chunk", "choices": [["index": 0, "delta": [:], "finish_reason": "stop"]],
                ]) + "\n\n")
        if usage {
            events.append(
                "data: "
                    + JSONCoding.encodeString([
                        "id": "chatcmpl-up", "object": "chat.completion.chunk", "choices": [],
                        "usage": ["prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7],
                    ]) + "\n\n")
        }
        events.append("data: [DONE]\n\n")
        return events
    }
}
