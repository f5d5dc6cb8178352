import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Testing

@testable import GatehouseServer

/// The hand-over between a connection's event loop and the task that answers its requests.
@Suite("A connection's request queue", .timeLimit(.minutes(1)))
struct RequestQueueTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    static func request(_ path: String) -> Request {
        Request(head: HTTPRequest(method: .post, scheme: nil, authority: "g", path: path), body: RequestBody(buffer: ByteBuffer()))
    }

    /// Made on its loop, as the data plane's handler makes it.
    func made() async throws -> RequestQueue<Request> {
        try await loop.submit { [loop] in RequestQueue<Request>(eventLoop: loop) }.get()
    }

    @Test func requestsAreTakenInOrderWhetherTheTaskWaitsOrNot() async throws {
        let queue = try await made()
        try await loop.submit {
            queue.put(Self.request("/a"))
            queue.put(Self.request("/b"))
        }.get()
        #expect(await queue.next()?.uri.path == "/a")
        #expect(await queue.next()?.uri.path == "/b")
        // Nothing queued: the task waits, and the next request resumes it.
        async let waiting = queue.next()
        try await Task.sleep(for: .milliseconds(50))
        try await loop.submit { queue.put(Self.request("/c")) }.get()
        #expect(await waiting?.uri.path == "/c")
    }

    @Test func closingEndsAWaitingTask() async throws {
        let queue = try await made()
        async let waiting = queue.next()
        try await Task.sleep(for: .milliseconds(50))
        try await loop.submit { queue.close() }.get()
        #expect(await waiting == nil)
    }

    @Test func closingDropsWhatIsQueuedAndWhatComesAfter() async throws {
        let queue = try await made()
        try await loop.submit {
            queue.put(Self.request("/a"))
            queue.close()
            queue.put(Self.request("/b"))
        }.get()
        #expect(await queue.next() == nil)
        #expect(await queue.next() == nil)
    }
}
