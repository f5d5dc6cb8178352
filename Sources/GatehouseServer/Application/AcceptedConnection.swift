import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Hummingbird's HTTP/1.1 child channel, with each accepted connection held in an
/// `AcceptedConnection` until the server takes it.
///
/// NIO's async listener can accept a connection while it is closing, then drop the connection
/// without handing it to the server (apple/swift-nio#2637). The dropped connection's writer was
/// never finished, so freeing it traps ("Deinited NIOAsyncWriter without calling finish()"). That
/// took the process down at SIGTERM under load, before the drain had written the spend.
struct ShutdownSafeChannel<Base: ServerChildChannel>: ServerChildChannel
where Base.Value == NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<AcceptedConnection> {
        base.setup(channel: channel, logger: logger).map(AcceptedConnection.init)
    }

    func handle(value: AcceptedConnection, logger: Logger) async {
        await base.handle(value: value.claim(), logger: logger)
    }
}

/// An accepted connection on its way to the server. If the server never claims it, freeing it
/// finishes the writer and closes the connection: the listener was closing, so nothing will
/// serve it.
final class AcceptedConnection: ServerChildChannelValue {
    private let connection: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    private let claimed = Atomic(false)

    init(_ connection: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) {
        self.connection = connection
    }

    var channel: any Channel { connection.channel }

    /// The connection, now the server's to finish and close.
    func claim() -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        claimed.store(true, ordering: .relaxed)
        return connection
    }

    deinit {
        guard !claimed.load(ordering: .relaxed) else { return }
        connection.outbound.finish()
        connection.channel.close(promise: nil)
    }
}
