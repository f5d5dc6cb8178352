import Hummingbird
import NIOCore

/// What the data plane needs to serve the model routes on a listener: the router's responder
/// (the one every other request reaches through Hummingbird) and the listener's bounds.
struct DataPlane: Sendable {
    /// Answers a request with the router's middleware and routes.
    let responder: @Sendable (Request, any Channel) async throws -> Response
    /// `max_request_body_bytes`.
    let maxBodyBytes: Int
    /// `client_body_timeout`: a client that has not sent its whole body by then is disconnected.
    let bodyTimeout: TimeAmount
    /// `client_idle_timeout`: a connection with no request for this long is closed.
    let idleTimeout: TimeAmount?

    func handler() -> DataPlaneHandler { DataPlaneHandler(plane: self) }
}
