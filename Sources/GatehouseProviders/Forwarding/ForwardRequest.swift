import Foundation
public import GatehouseCore
public import NIOCore

/// A client's request, validated and ready to route.
public struct ForwardRequest: Sendable {
    public var endpoint: Endpoint
    /// The public model name the client asked for.
    public var model: String
    public var body: JSONValue
    public var stream: Bool
    /// `stream_options.include_usage`: whether the client itself wants the usage chunk.
    public var clientWantsUsage: Bool
    /// The client's Anthropic API version and betas (`anthropic-version`, `anthropic-beta`),
    /// passed on to Anthropic deployments: Claude Code and the Anthropic SDK depend on them.
    public var anthropic = AnthropicHeaders()
    /// Set for `/v1/responses`: the request is a chat completion (translated from the Responses
    /// API) whose answer goes back in the Responses API's shape.
    public var responses: ResponsesShape?
    /// Only deployments with this `region_name` may serve the request (an end user's
    /// `allowed_model_region`); nil: any.
    public var region: String?
    /// A transcription's upload as sent (`body` holds its text fields).
    public var multipart: MultipartForm?

    public init(endpoint: Endpoint, model: String, body: JSONValue, stream: Bool, clientWantsUsage: Bool) {
        self.endpoint = endpoint
        self.model = model
        self.body = body
        self.stream = stream
        self.clientWantsUsage = clientWantsUsage
    }
}

/// What came back, in the client's dialect.
public enum ForwardResult: Sendable {
    /// - Parameter contentType: the answer's type: JSON, or what an audio upstream sent.
    case complete(body: ByteBuffer, usage: Usage?, deployment: Deployment, responseID: String?, contentType: String = "application/json")
    case stream(TranslatedEventStream, deployment: Deployment)
}

/// The Anthropic request headers a client may choose, checked to be what Anthropic documents
/// (a date; comma-separated beta names) so that nothing else rides along to the upstream.
public struct AnthropicHeaders: Sendable, Equatable {
    public var version: String?
    public var betas: [String] = []

    public init(version: String? = nil, betas: [String] = []) {
        self.version = version
        self.betas = betas
    }

    /// - Returns: the headers, or nil (with the offending header's name) when one is malformed.
    public static func parse(version: String?, beta: [String]) -> Result<AnthropicHeaders, HeaderError> {
        var headers = AnthropicHeaders()
        if let version {
            guard isDate(version) else { return .failure(HeaderError(name: "anthropic-version")) }
            headers.version = version
        }
        for value in beta {
            for name in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard name.utf8.count <= 100, name.utf8.allSatisfy(isBetaByte) else { return .failure(HeaderError(name: "anthropic-beta")) }
                if !headers.betas.contains(name) { headers.betas.append(name) }
            }
        }
        guard headers.betas.count <= 32 else { return .failure(HeaderError(name: "anthropic-beta")) }
        return .success(headers)
    }

    public struct HeaderError: Error, Sendable {
        public let name: String
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (byte >= 0x30 && byte <= 0x39) }
    }

    static func isBetaByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
