import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with the data plane's handler in each connection's
/// pipeline, right below NIO's `HTTP1ToHTTPServerCodec` (which the base adds): the handler reads
/// NIO's request parts, takes the model routes' requests, and passes every other part on to the
/// codec and Hummingbird as it came.
struct DataPlaneChannel<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base
    let plane: DataPlane

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(plane.handler(), position: .before(pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            return value
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
