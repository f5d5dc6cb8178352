import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import GatehouseServer

/// A connection NIO's closing listener accepts and then drops, never handing it to the server.
/// Before `AcceptedConnection`, freeing it trapped ("Deinited NIOAsyncWriter without calling
/// finish()"), and SIGTERM under load could crash the process before the spend was written.
@Suite("Connections dropped by a closing listener")
struct AcceptedConnectionTests {
    /// Accepted, and wrapped as Hummingbird wraps it.
    private func accept(_ channel: EmbeddedChannel) throws -> AcceptedConnection {
        AcceptedConnection(
            try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)))
    }

    /// Both orders seen in the crash: NIO makes the connection active before or after the listener
    /// drops it. Either way the process lives and the connection is closed.
    @Test(arguments: [false, true])
    func anUnclaimedConnectionIsClosedWhenDropped(activeBeforeDrop: Bool) throws {
        let channel = EmbeddedChannel()
        var accepted: AcceptedConnection? = try accept(channel)
        if activeBeforeDrop {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        }
        #expect(accepted != nil)
        accepted = nil
        if !activeBeforeDrop {
            channel.pipeline.fireChannelActive()
        }
        #expect(!channel.isActive)
        #expect(throws: ChannelError.alreadyClosed) { try channel.close().wait() }
    }

    @Test func aClaimedConnectionIsLeftToTheServer() throws {
        let channel = EmbeddedChannel()
        var accepted: AcceptedConnection? = try accept(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        let connection = try #require(accepted?.claim())
        accepted = nil
        #expect(channel.isActive)
        // The server's part, as `executeThenClose` does it (the half-close then closes it).
        connection.outbound.finish()
    }
}
