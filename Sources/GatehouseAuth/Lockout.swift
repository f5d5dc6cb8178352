import Foundation
import Synchronization

/// Repeated failed authentications for one subject — a credential id at one client address —
/// within a window lead to a temporary block, each further block twice as long. Keyed by id
/// *and* address, so that guessing a client's secret from one address does not lock the client
/// out everywhere. In memory, per instance, bounded.
public final class Lockout: Sendable {
    struct Entry {
        var failures: [Date] = []
        var blockedUntil: Date?
        var blocks = 0
    }

    public let threshold: Int
    public let window: TimeInterval
    let firstBlock: TimeInterval
    let longestBlock: TimeInterval
    let capacity = 100_000
    private let entries = Mutex<[String: Entry]>([:])
    /// When the last block to end ends (ms since 1970): before it, something may be blocked;
    /// after it, nothing is, and checks need not look (the common case, read without a lock).
    private let lastBlockEnds = Atomic<Int64>(0)

    /// Whether any subject may be blocked at `now` (false: none is).
    public func mayBlock(at now: Date) -> Bool {
        Int64(now.timeIntervalSince1970 * 1000) < lastBlockEnds.load(ordering: .relaxed)
    }

    public init(threshold: Int = 5, window: TimeInterval = 300, firstBlock: TimeInterval = 60, longestBlock: TimeInterval = 3600) {
        self.threshold = threshold
        self.window = window
        self.firstBlock = firstBlock
        self.longestBlock = longestBlock
    }

    /// Seconds until the subject may try again, or nil when it is not blocked.
    public func retryAfter(_ subject: String, at now: Date) -> TimeInterval? {
        entries.withLock { entries in
            guard let until = entries[subject]?.blockedUntil, until > now else { return nil }
            return until.timeIntervalSince(now)
        }
    }

    /// - Returns: whether this failure started a block.
    @discardableResult
    public func recordFailure(_ subject: String, at now: Date) -> Bool {
        entries.withLock { entries in
            if entries.count >= capacity, entries[subject] == nil {
                entries = entries.filter { $0.value.blockedUntil.map { $0 > now } ?? false }
            }
            var entry = entries[subject] ?? Entry()
            entry.failures = entry.failures.filter { now.timeIntervalSince($0) < window } + [now]
            var blocked = false
            if entry.failures.count >= threshold {
                let until = now.addingTimeInterval(min(longestBlock, firstBlock * pow(2, Double(entry.blocks))))
                entry.blockedUntil = until
                _ = lastBlockEnds.max(Int64((until.timeIntervalSince1970 * 1000).rounded(.up)), ordering: .relaxed)
                entry.blocks += 1
                entry.failures = []
                blocked = true
            }
            entries[subject] = entry
            return blocked
        }
    }

    /// Subjects blocked at `now`, and until when.
    public func blocks(at now: Date) -> [(subject: String, until: Date)] {
        entries.withLock { entries in
            entries.compactMap { subject, entry in entry.blockedUntil.flatMap { $0 > now ? (subject, $0) : nil } }
        }.sorted { $0.until < $1.until }
    }

    /// Lifts a block (and forgets the subject's failures). - Returns: whether it was blocked.
    @discardableResult
    public func unblock(_ subject: String, at now: Date) -> Bool {
        entries.withLock { entries in
            guard let until = entries[subject]?.blockedUntil, until > now else { return false }
            entries[subject] = nil
            return true
        }
    }

    public func recordSuccess(_ subject: String) {
        _ = entries.withLock { $0.removeValue(forKey: subject) }
    }
}
