import Hummingbird
import Logging
import NIOCore

/// What the data plane needs to serve the model routes on a listener: how to answer them (the
/// router's middleware and routes, the ones every other request reaches through Hummingbird) and
/// the listener's bounds.
struct DataPlane: Sendable {
    /// Answers a request on a connection. (A function in a struct: held in an array or a queue,
    /// a bare function would be wrapped in a thunk, a new object, each time it is stored or read.)
    struct Answer: Sendable {
        /// The request, its body when it was read whole (a refused body was not), and the connection.
        let respond: @Sendable (Request, ByteBuffer?, any Channel) async throws -> Response
    }
    /// A request read whole (its body, unless refused), and what answers it: handed to the
    /// connection's answer task.
    typealias Job = (request: Request, body: ByteBuffer?, answer: Answer)

    /// Answers a request with the router: its lookup, then the route's middleware and handler.
    let responder: Answer
    /// For each of `DataPlaneRoutes.fixedPaths`, when given: the same route's middleware and
    /// handler, called without the router's lookup.
    let fixed: [Answer?]
    /// `max_request_body_bytes`: a JSON body's bound.
    let maxBodyBytes: Int
    /// `max_audio_request_bytes`: an upload's bound.
    let maxAudioBytes: Int
    /// `client_body_timeout`: a client that has not sent its whole body by then is disconnected.
    let bodyTimeout: TimeAmount
    /// `client_idle_timeout`: a connection with no request for this long is closed.
    let idleTimeout: TimeAmount?

    /// - Parameter fixed: answers by path, for paths among `DataPlaneRoutes.fixedPaths`; the
    ///   others are answered by `responder`.
    init(
        responder: Answer, fixed: [String: Answer] = [:], maxBodyBytes: Int, maxAudioBytes: Int, bodyTimeout: TimeAmount,
        idleTimeout: TimeAmount?
    ) {
        self.responder = responder
        self.fixed = DataPlaneRoutes.fixedPaths.map { fixed[$0.path] }
        self.maxBodyBytes = maxBodyBytes
        self.maxAudioBytes = maxAudioBytes
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }

    /// The most a request to `route` may send.
    func bodyLimit(_ route: DataPlaneRoutes.Route) -> Int {
        switch route {
        case .json: maxBodyBytes
        case .upload: maxAudioBytes
        }
    }

    /// How to answer a request `match` names.
    func answer(_ match: DataPlaneRoutes.Match) -> Answer {
        match.fixed.flatMap { fixed[$0] } ?? responder
    }

    func handler() -> DataPlaneHandler { DataPlaneHandler(plane: self) }

    /// An answer through `respond`, in a context made for the request, whose body has been read
    /// whole (or refused).
    /// - Parameters:
    ///   - endpoint: the route's path, for a `respond` that is one route's middleware and handler
    ///     (a `ModelRouteChain`): set as the router sets it (the metrics' and access log's route,
    ///     the client-certificate policy's), and an error the route throws is answered as the
    ///     router answers it.
    ///   - respond: the router's responder, or a route's chain; called on the answer task's
    ///     executor (`nonisolated(nonsending)`).
    static func answer(
        endpoint: String?, logger: Logger, respond: @escaping @Sendable (Request, GatewayRequestContext) async throws -> Response
    ) -> Answer {
        Answer { request, body, channel in
            var context = GatewayRequestContext(source: .init(channel: channel, logger: logger))
            context.bodyRead = body
            guard let endpoint else { return try await respond(request, context) }
            context.coreContext.endpointPath.value = endpoint
            do {
                return try await respond(request, context)
            } catch let error as any HTTPResponseError {
                return try error.response(from: request, context: context)
            }
        }
    }
}
