import Foundation
import GatehouseCore
import Synchronization

/// Repeated failed authentications for one subject — a credential id at one client address —
/// within a window lead to a temporary block, each further block twice as long. Keyed by id
/// *and* address, so that guessing a client's secret from one address does not lock the client
/// out everywhere. Failures are counted in memory, per instance, bounded; blocks may also be
/// shared (instances on one PostgreSQL): other instances' blocks are adopted, and a shared block
/// lifted anywhere ends here too.
public final class Lockout: Sendable {
    struct Entry {
        var failures: [Date] = []
        var blockedUntil: Date?
        var blocks = 0
        /// When attempts not yet ended began (`beginAttempt`): counted before a slow check
        /// (bcrypt) so that a parallel burst gets no more guesses than the threshold. One that
        /// never ended (its request vanished) stops counting after `attemptLifetime`.
        var pending: [Date] = []
        /// When this block was known to be in the shared store (nil: not shared, or not yet).
        var sharedAt: Date?
    }

    public let threshold: Int
    public let window: TimeInterval
    let firstBlock: TimeInterval
    let longestBlock: TimeInterval
    let capacity = 100_000
    private let entries = Mutex<[String: Entry]>([:])
    /// The shared store's blocks, as last read (replaced whole by each exchange).
    private let shared = Mutex<[String: Date]>([:])
    /// When blocks were lifted here: a read of the shared store that began before a lift may
    /// still hold the lifted block, and must not bring it back.
    private let lifted = Mutex<[String: Date]>([:])
    /// When the last block to end ends (ms since 1970): before it, something may be blocked;
    /// after it, nothing is, and checks need not look (the common case, read without a lock).
    private let lastBlockEnds = Atomic<Int64>(0)

    /// Whether any subject may be blocked at `now` (false: none is).
    public func mayBlock(at now: Date) -> Bool {
        Int64(saturating: now.timeIntervalSince1970 * 1000) < lastBlockEnds.load(ordering: .relaxed)
    }

    public init(threshold: Int = 5, window: TimeInterval = 300, firstBlock: TimeInterval = 60, longestBlock: TimeInterval = 3600) {
        self.threshold = threshold
        self.window = window
        self.firstBlock = firstBlock
        self.longestBlock = longestBlock
    }

    /// Seconds until the subject may try again, or nil when it is not blocked.
    public func retryAfter(_ subject: String, at now: Date) -> TimeInterval? {
        let local = entries.withLock { $0[subject]?.blockedUntil }
        let until = max(local ?? .distantPast, shared.withLock { $0[subject] } ?? .distantPast)
        return until > now ? until.timeIntervalSince(now) : nil
    }

    static let attemptLifetime: TimeInterval = 60

    /// Takes one attempt for `subject` before its secret is checked: refused when it is blocked,
    /// or when its recent failures and the attempts already under way reach the threshold (they
    /// might all fail). An attempt taken ends with `recordFailure` or `recordSuccess`.
    /// - Returns: whether the attempt may go ahead.
    public func beginAttempt(_ subject: String, at now: Date) -> Bool {
        entries.withLock { entries in
            if entries.count >= capacity, entries[subject] == nil {
                entries = entries.filter { ($0.value.blockedUntil.map { $0 > now } ?? false) || !$0.value.pending.isEmpty }
            }
            var entry = entries[subject] ?? Entry()
            if let until = entry.blockedUntil, until > now { return false }
            entry.pending = entry.pending.filter { now.timeIntervalSince($0) < Self.attemptLifetime }
            let recent = entry.failures.filter { now.timeIntervalSince($0) < window }.count
            guard recent + entry.pending.count < threshold else { return false }
            entry.pending.append(now)
            entries[subject] = entry
            return true
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
            if !entry.pending.isEmpty { entry.pending.removeFirst() }
            entry.failures = entry.failures.filter { now.timeIntervalSince($0) < window } + [now]
            var blocked = false
            if entry.failures.count >= threshold {
                let until = now.addingTimeInterval(min(longestBlock, firstBlock * pow(2, Double(entry.blocks))))
                entry.blockedUntil = until
                entry.sharedAt = nil
                _ = lastBlockEnds.max(Int64(saturating: (until.timeIntervalSince1970 * 1000).rounded(.up)), ordering: .relaxed)
                entry.blocks += 1
                entry.failures = []
                blocked = true
            }
            entries[subject] = entry
            return blocked
        }
    }

    /// Subjects blocked at `now` (here or, as last read, anywhere), and until when.
    public func blocks(at now: Date) -> [(subject: String, until: Date)] {
        var all = shared.withLock { $0 }.filter { $0.value > now }
        let local = entries.withLock { entries in
            entries.compactMap { subject, entry in entry.blockedUntil.flatMap { $0 > now ? (subject, $0) : nil } }
        }
        for (subject, until) in local { all[subject] = max(until, all[subject] ?? until) }
        return all.map { (subject: $0.key, until: $0.value) }.sorted { $0.until < $1.until }
    }

    /// Lifts a block (and forgets the subject's failures). - Returns: whether it was blocked.
    @discardableResult
    public func unblock(_ subject: String, at now: Date) -> Bool {
        lifted.withLock { $0[subject] = now }
        let sharedBlock = shared.withLock { $0.removeValue(forKey: subject) }.map { $0 > now } ?? false
        let localBlock = entries.withLock { entries in
            guard let until = entries[subject]?.blockedUntil, until > now else { return false }
            entries[subject] = nil
            return true
        }
        return sharedBlock || localBlock
    }

    /// This instance's blocks in force that the shared store does not know yet, to publish.
    public func unshared(at now: Date) -> [(subject: String, until: Date)] {
        entries.withLock { entries in
            entries.compactMap { subject, entry in
                guard let until = entry.blockedUntil, until > now, entry.sharedAt == nil else { return nil }
                return (subject, until)
            }
        }
    }

    /// Takes in the shared store's blocks, read at `readAt` after this instance's were published
    /// (`published`). A block of this instance that was in the store before the read and is no
    /// longer there was lifted elsewhere: it ends here too. A block lifted here after the read
    /// began stays lifted (the read may predate the lift).
    public func adopt(_ blocks: [String: Date], published: [String], readAt: Date) {
        let now = readAt
        let blocks = lifted.withLock { lifted in
            let current = blocks.filter { subject, _ in lifted[subject].map { $0 < readAt } ?? true }
            lifted = lifted.filter { $0.value >= readAt }
            return current
        }
        entries.withLock { entries in
            for subject in published { entries[subject]?.sharedAt = readAt }
            for (subject, entry) in entries {
                guard let until = entry.blockedUntil, until > now, let sharedAt = entry.sharedAt, sharedAt <= readAt, blocks[subject] == nil
                else { continue }
                entries[subject] = nil
            }
        }
        shared.withLock { $0 = blocks }
        if let last = blocks.values.max() {
            _ = lastBlockEnds.max(Int64(saturating: (last.timeIntervalSince1970 * 1000).rounded(.up)), ordering: .relaxed)
        }
    }

    public func recordSuccess(_ subject: String) {
        _ = entries.withLock { $0.removeValue(forKey: subject) }
    }
}
