import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One client connection written as raw HTTP/1.1 bytes (plain or TLS), whose answers are parsed
/// back one after another: for tests of what a connection carries (keep-alive, pipelining,
/// requests cut short) that an HTTP client library would hide.
final class RawConnection: Sendable {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        let closed = Mutex(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLock { $0 = true }
            context.fireChannelInactive()
        }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// - Parameter tls: the client's TLS configuration; nil for plain HTTP.
    static func open(port: Int, tls: TLSConfiguration? = nil) async throws -> RawConnection {
        let collector = Collector()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    var isClosed: Bool { collector.closed.withLock { $0 } }

    /// Waits for `count` complete answers (or the connection's end, or `within`) and returns those
    /// that arrived whole.
    func answers(_ count: Int, within: Duration = .seconds(10)) async throws -> [RawAnswer] {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let answers = RawAnswer.parse(collector.received.withLock { $0 }, closed: isClosed)
            if answers.count >= count || isClosed { return answers }
            try await Task.sleep(for: .milliseconds(10))
        }
        return RawAnswer.parse(collector.received.withLock { $0 }, closed: isClosed)
    }

    /// Waits until the server has closed the connection, up to `within`; whether it did.
    func closedByServer(within: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while !isClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return isClosed
    }

    func close() async {
        try? await channel.close()
    }

    /// A POST with a JSON body (given as text) and the master key unless `headers` say otherwise.
    static func post(_ path: String, _ body: String, headers: [String] = ["Authorization: Bearer \(TestKeys.master)"]) -> String {
        "POST \(path) HTTP/1.1\r\nHost: gatehouse\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + headers.map { $0 + "\r\n" }.joined() + "\r\n" + body
    }

    static func get(_ path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer \(TestKeys.master)\r\n\r\n"
    }
}

/// One HTTP/1.1 answer as it came over the wire.
struct RawAnswer: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String
    /// Whether the body came in chunks (`Transfer-Encoding: chunked`).
    var chunked: Bool

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// The answers complete in `bytes`, in order.
    static func parse(_ bytes: [UInt8], closed: Bool) -> [RawAnswer] {
        var answers: [RawAnswer] = []
        var rest = bytes[...]
        while let headEnd = find([13, 10, 13, 10], in: rest) {
            let head = String(decoding: rest[rest.startIndex..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            guard let statusLine = head.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { break }
            let headers = head.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            var answer = RawAnswer(status: status, headers: headers, body: "", chunked: false)
            var body = rest[(headEnd + 4)...]
            if let length = answer.header("content-length").flatMap(Int.init) {
                guard body.count >= length else { break }
                answer.body = String(decoding: body.prefix(length), as: UTF8.self)
                rest = body.dropFirst(length)
            } else if answer.header("transfer-encoding")?.lowercased() == "chunked" {
                answer.chunked = true
                var text: [UInt8] = []
                var complete = false
                while let lineEnd = find([13, 10], in: body) {
                    let size = Int(String(decoding: body[body.startIndex..<lineEnd], as: UTF8.self), radix: 16) ?? -1
                    guard size >= 0, body.count >= (lineEnd - body.startIndex) + 2 + size + 2 else { break }
                    let start = lineEnd + 2
                    text += body[start..<(start + size)]
                    body = body[(start + size + 2)...]
                    if size == 0 {
                        complete = true
                        break
                    }
                }
                guard complete else { break }
                answer.body = String(decoding: text, as: UTF8.self)
                rest = body
            } else {
                // Until the connection closes.
                guard closed else { break }
                answer.body = String(decoding: body, as: UTF8.self)
                rest = body[body.endIndex...]
            }
            answers.append(answer)
        }
        return answers
    }

    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
