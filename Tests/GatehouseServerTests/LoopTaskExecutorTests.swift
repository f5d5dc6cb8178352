import NIOCore
import NIOPosix
import Testing

@testable import GatehouseServer

@Suite("The connection's loop as a task's executor")
struct LoopTaskExecutorTests {
    /// Nonisolated async code of a task preferring the loop runs on that loop, across awaits of
    /// every kind: a nonisolated async function, a future from another loop, a sleep.
    @Test func aTaskPreferringTheLoopStaysOnIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let other = group.next()
        #expect(loop !== other)
        let seen = await Task(executorPreference: LoopTaskExecutor(loop: loop)) {
            var onLoop = [loop.inEventLoop]
            onLoop.append(await Self.nonisolatedWork(loop))
            _ = try? await other.submit { 1 }.get()
            onLoop.append(loop.inEventLoop)
            try? await Task.sleep(for: .milliseconds(2))
            onLoop.append(loop.inEventLoop)
            return onLoop
        }.value
        #expect(seen == [true, true, true, true])
        try await group.shutdownGracefully()
    }

    private static func nonisolatedWork(_ loop: any EventLoop) async -> Bool {
        await Task.yield()
        return loop.inEventLoop
    }
}
