import NIOCore
import Synchronization

/// Upstream URLs, parsed, each with the start of a `POST` to it framed
/// (`UpstreamRequestFraming.start`). Requests go to the few URLs that deployments and endpoints
/// make; each is parsed and its request line checked and written once, not for every request.
/// Bounded all the same: past `limit` URLs the table starts again.
final class UpstreamTargets: Sendable {
    struct Entry: Sendable {
        let target: UpstreamTarget
        /// nil when the target cannot be framed (framing it throws, as it does per request).
        let postStart: ByteBuffer?
    }

    private let entries = Mutex<[String: Entry]>([:])
    let limit: Int

    init(limit: Int = 256) { self.limit = limit }

    /// - Returns: nil for a URL the transport cannot reach (not remembered).
    func entry(for url: String) -> Entry? {
        if let entry = entries.withLock({ $0[url] }) { return entry }
        guard let target = UpstreamTarget(url: url) else { return nil }
        let entry = Entry(target: target, postStart: try? UpstreamRequestFraming.start(method: "POST", target: target))
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll() }
            entries[url] = entry
        }
        return entry
    }

    var count: Int { entries.withLock { $0.count } }

    /// The request's bytes: after the kept start when it is a `POST`.
    func frame(_ request: UpstreamRequest, to entry: Entry) throws -> ByteBuffer {
        if request.method == "POST", let start = entry.postStart {
            return try UpstreamRequestFraming.frame(start: start, headers: request.headers, body: request.body)
        }
        return try UpstreamRequestFraming.frame(method: request.method, target: entry.target, headers: request.headers, body: request.body)
    }
}
