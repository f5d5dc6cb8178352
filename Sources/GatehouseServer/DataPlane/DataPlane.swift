import Hummingbird
import NIOCore

/// What the data plane needs to serve the model routes on a listener: the router's responder
/// (the one every other request reaches through Hummingbird) and the listener's bounds.
struct DataPlane: Sendable {
    /// Answers a request with the router's middleware and routes.
    let responder: @Sendable (Request, any Channel) async throws -> Response
    /// `max_request_body_bytes`: a JSON body's bound.
    let maxBodyBytes: Int
    /// `max_audio_request_bytes`: an upload's bound.
    let maxAudioBytes: Int
    /// `client_body_timeout`: a client that has not sent its whole body by then is disconnected.
    let bodyTimeout: TimeAmount
    /// `client_idle_timeout`: a connection with no request for this long is closed.
    let idleTimeout: TimeAmount?

    /// The most a request to `route` may send.
    func bodyLimit(_ route: DataPlaneRoutes.Route) -> Int {
        switch route {
        case .json: maxBodyBytes
        case .upload: maxAudioBytes
        }
    }

    func handler() -> DataPlaneHandler { DataPlaneHandler(plane: self) }
}
