public import NIOCore

extension ChannelHandlerContext {
    /// Flushes once the loop has run the work already queued on it, instead of now. A loop that
    /// has just read many requests then sends what they produce (upstream requests, answers) in
    /// one burst, so a peer woken by the first finds the rest waiting, rather than being woken
    /// once per message. Measured with `bench/run`'s load (32 connections): 1.5 wake-ups of the
    /// peers per request when flushing at once, 1.0 when flushing here, and ~35% more requests
    /// per second. A connection's own order is unchanged; one alone waits no longer than the
    /// loop's current pass.
    public func flushAfterQueuedWork() {
        eventLoop.assumeIsolated().execute { self.flush() }
    }
}
