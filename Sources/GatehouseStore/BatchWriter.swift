import Foundation
public import GatehouseCore
public import Logging
import NIOPosix
public import ServiceLifecycle
public import Synchronization

/// Takes records (spend, audit) from the request path without waiting (an append under a lock)
/// and writes them in batches. At shutdown — after the server has let in-flight requests finish —
/// it writes what is left before the store closes. A failed write is retried with the same
/// batch; records are only dropped from memory once they are in the database.
public final class BatchWriter<Record: Sendable>: Service, Sendable {
    /// What the records are, for the log.
    let name: String
    let interval: Duration
    /// How long shutdown waits for an unreachable store before giving up on what is pending.
    let finalAttemptSeconds: Double
    let logger: Logger
    let write: @Sendable ([Record]) async throws -> Void
    /// Reached from the inlined `record(_:)` and `backlog`: specialized where they are called, for
    /// the caller's record type, they do not look up the type's metadata at run time per request.
    @usableFromInline let pending = Mutex<[Record]>([])
    /// One flush at a time.
    private let flushing = AsyncLock()

    public init(
        name: String, interval: Duration = .milliseconds(500), finalAttemptSeconds: Double = 10, logger: Logger,
        write: @escaping @Sendable ([Record]) async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.finalAttemptSeconds = finalAttemptSeconds
        self.logger = logger
        self.write = write
    }

    /// - Parameter record: taken, and moved into the queue: a copy would retain each of its
    ///   fields once more, and release them again, per request.
    @inlinable public func record(_ record: consuming Record) {
        var taken: Record? = consume record
        pending.withLock { $0.append(taken.take()!) }
    }

    /// Records waiting to be written.
    @inlinable public var backlog: Int { pending.withLock { $0.count } }

    public func run() async throws {
        while Task.serviceGoesOn {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            // Bounded like every store call here: a flush still waiting at the deadline keeps its
            // batch (written later, or put back), and the loop goes on to shutdown.
            _ = try? await withDeadline(seconds: 10) { await self.flush() }
        }
        // Shutdown: keep trying for up to `finalAttemptSeconds` rather than lose what was billed.
        // In a task of its own: cancelled, this one's waits would end at once, and its deadlines
        // before the write they bound.
        await Task { await self.writeRemaining() }.value
    }

    private func writeRemaining() async {
        let deadline = ContinuousClock.now + .milliseconds(Int(saturating: finalAttemptSeconds * 1000))
        var attempt = 0
        while ContinuousClock.now < deadline {
            let left = Double((deadline - ContinuousClock.now).components.seconds) + 0.5
            if (try? await withDeadline(seconds: left, { await self.flush() })) == true, backlog == 0 { return }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(100 * attempt, 1000)))
        }
        logger.error("\(name) could not be written before exit", metadata: ["records": "\(backlog)"])
    }

    /// Writes everything pending, after any write already under way: whoever flushes before a
    /// read (`/global/spend`, `/audit`) then reads every record made before the flush, even one
    /// the periodic flush had taken but not yet written. - Returns: whether the write succeeded.
    @discardableResult
    public func flush() async -> Bool {
        (try? await flushing.withLock { await self.writePending() }) ?? false
    }

    private func writePending() async -> Bool {
        var batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return true }
        do {
            try await write(batch)
            // Freed on the thread pool, without waiting for it: this task runs on an event loop,
            // where releasing thousands of records (each of their texts) held up its requests.
            let written = Written(consume batch)
            NIOThreadPool.singleton.submit { _ in written.free() }
            return true
        } catch {
            // Put them back in front of anything recorded since, for the next attempt.
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
            logger.warning("\(name) not written yet", metadata: ["records": "\(batch.count)", "error": "\(String(reflecting: error))"])
            return false
        }
    }
}

/// A written batch, handed to where it is freed.
private final class Written<Record: Sendable>: Sendable {
    private let records: Mutex<[Record]>

    init(_ records: consuming [Record]) { self.records = Mutex(records) }

    func free() { records.withLock { $0 = [] } }
}

public typealias SpendWriter = BatchWriter<SpendRecord>

extension BatchWriter where Record == SpendRecord {
    public convenience init(store: SpendStore, interval: Duration = .milliseconds(500), finalAttemptSeconds: Double = 10, logger: Logger) {
        self.init(name: "spend records", interval: interval, finalAttemptSeconds: finalAttemptSeconds, logger: logger, write: store.write)
    }
}
