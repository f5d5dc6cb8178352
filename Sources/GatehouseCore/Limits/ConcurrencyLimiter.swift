import Synchronization

/// `max_parallel_requests`: requests in flight per level of the chain. A request holds a slot
/// at every level that has the limit, from admission until its response (a stream: its last
/// byte, or the client going away) is done.
public final class ConcurrencyLimiter: Sendable {
    private let inFlight = Mutex<[String: Int]>([:])

    public init() {}

    /// Takes a slot at every level with a limit, or none. - Returns: the slot (nil when no level
    /// limits concurrency), or the level that refused with its limit.
    public func acquire(_ subjects: [LimitSubject]) -> Result<ConcurrencySlot?, Refusal> {
        let limited = subjects.compactMap { subject in subject.limits.maxParallelRequests.map { (subject, $0) } }
        guard !limited.isEmpty else { return .success(nil) }
        return inFlight.withLock { inFlight in
            if let (subject, limit) = limited.first(where: { inFlight[$0.0.id, default: 0] >= $0.1 }) {
                return .failure(Refusal(level: subject.level, limit: limit))
            }
            for (subject, _) in limited { inFlight[subject.id, default: 0] += 1 }
            return .success(ConcurrencySlot(limiter: self, ids: limited.map(\.0.id)))
        }
    }

    func release(_ ids: [String]) {
        inFlight.withLock { inFlight in
            for id in ids {
                let left = inFlight[id, default: 1] - 1
                inFlight[id] = left > 0 ? left : nil
            }
        }
    }

    public struct Refusal: Error, Sendable, Equatable {
        public var level: LimitLevel
        public var limit: Int
    }
}

/// A held slot: released once, explicitly or when the last reference goes.
public final class ConcurrencySlot: Sendable {
    let limiter: ConcurrencyLimiter
    let ids: [String]
    private let released = Mutex(false)

    init(limiter: ConcurrencyLimiter, ids: [String]) {
        self.limiter = limiter
        self.ids = ids
    }

    public func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        if first { limiter.release(ids) }
    }

    deinit { release() }
}
