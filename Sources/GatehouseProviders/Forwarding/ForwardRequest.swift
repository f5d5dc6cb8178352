import Foundation
public import GatehouseCore
public import NIOCore

/// A client's request, validated and ready to route.
public struct ForwardRequest: Sendable {
    /// Shared by the copies (`SharedFields`): admission, billing and forwarding each keep one.
    private var shared: SharedFields<Fields>

    struct Fields: Sendable {
        var endpoint: Endpoint
        var model: String
        var body: JSONValue
        var stream: Bool
        var clientWantsUsage: Bool
        var anthropic: AnthropicHeaders = AnthropicHeaders()
        var responses: ResponsesShape?
        var region: String?
        var multipart: MultipartForm?
    }

    public var endpoint: Endpoint {
        get { shared.fields.endpoint }
        _modify { yield &SharedFields.unique(&shared).fields.endpoint }
    }
    /// The public model name the client asked for.
    public var model: String {
        get { shared.fields.model }
        _modify { yield &SharedFields.unique(&shared).fields.model }
    }
    public var body: JSONValue {
        get { shared.fields.body }
        _modify { yield &SharedFields.unique(&shared).fields.body }
    }
    public var stream: Bool {
        get { shared.fields.stream }
        _modify { yield &SharedFields.unique(&shared).fields.stream }
    }
    /// `stream_options.include_usage`: whether the client itself wants the usage chunk.
    public var clientWantsUsage: Bool {
        get { shared.fields.clientWantsUsage }
        _modify { yield &SharedFields.unique(&shared).fields.clientWantsUsage }
    }
    /// The client's Anthropic API version and betas (`anthropic-version`, `anthropic-beta`),
    /// passed on to Anthropic deployments: Claude Code and the Anthropic SDK depend on them.
    public var anthropic: AnthropicHeaders {
        get { shared.fields.anthropic }
        _modify { yield &SharedFields.unique(&shared).fields.anthropic }
    }
    /// Set for `/v1/responses`: the request is a chat completion (translated from the Responses
    /// API) whose answer goes back in the Responses API's shape.
    public var responses: ResponsesShape? {
        get { shared.fields.responses }
        _modify { yield &SharedFields.unique(&shared).fields.responses }
    }
    /// Only deployments with this `region_name` may serve the request (an end user's
    /// `allowed_model_region`); nil: any.
    public var region: String? {
        get { shared.fields.region }
        _modify { yield &SharedFields.unique(&shared).fields.region }
    }
    /// A transcription's upload as sent (`body` holds its text fields).
    public var multipart: MultipartForm? {
        get { shared.fields.multipart }
        _modify { yield &SharedFields.unique(&shared).fields.multipart }
    }

    public init(endpoint: Endpoint, model: String, body: JSONValue, stream: Bool, clientWantsUsage: Bool) {
        shared = SharedFields(Fields(endpoint: endpoint, model: model, body: body, stream: stream, clientWantsUsage: clientWantsUsage))
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
