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
    case complete(body: ByteBuffer, usage: Usage?, deployment: Deployment)
    case stream(TranslatedEventStream, deployment: Deployment)
}
