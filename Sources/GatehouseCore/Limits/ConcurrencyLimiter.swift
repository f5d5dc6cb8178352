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
        guard subjects.contains(where: { $0.limits.maxParallelRequests != nil }) else { return .success(nil) }
        return inFlight.withLock { inFlight in
            for subject in subjects {
                if let limit = subject.limits.maxParallelRequests, inFlight[subject.id, default: 0] >= limit {
                    return .failure(Refusal(level: subject.level, limit: limit))
                }
            }
            for subject in subjects where subject.limits.maxParallelRequests != nil { inFlight[subject.id, default: 0] += 1 }
            // The slot keeps the request's own list (no copy) and releases its limited subjects.
            return .success(ConcurrencySlot(limiter: self, subjects: subjects))
        }
    }

    func release(_ subjects: [LimitSubject]) {
        inFlight.withLock { inFlight in
            for subject in subjects where subject.limits.maxParallelRequests != nil {
                let left = inFlight[subject.id, default: 1] - 1
                inFlight[subject.id] = left > 0 ? left : nil
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
    /// The request's subjects; those with `max_parallel_requests` hold a slot.
    let subjects: [LimitSubject]
    private let released = Mutex(false)

    init(limiter: ConcurrencyLimiter, subjects: [LimitSubject]) {
        self.limiter = limiter
        self.subjects = subjects
    }

    public func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        if first { limiter.release(subjects) }
    }

    deinit { release() }
}
