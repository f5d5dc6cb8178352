import NIOCore

/// Runs a task's jobs on one event loop, as the task's preferred executor (SE-0417), so that its
/// nonisolated async code stays on the connection's loop without the runtime re-queueing it.
///
/// Why it matters: with NIO as Swift's global executor, NIO runs every global job *on the loop's
/// serial executor*, and the runtime then treats each entry into a nonisolated async function (a
/// hop to the generic executor) as a switch: it re-enqueues the task through the loop's queue —
/// about 80 times per proxied request, measured with `perf probe` on `swift_task_switch` and
/// `swift_task_enqueue`. A job run on a *task executor* instead runs with the generic executor
/// current, so those hops are free. Jobs go through the loop's own queue (`execute`), which from
/// the loop itself needs no wake-up.
final class LoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
