import Foundation

/// Writes log lines on a thread of its own: the code that logs (an event loop, a request's task)
/// only appends to a buffer and signals. Lines keep their order. Past 4 MiB waiting (the
/// destination has stalled) lines are dropped and counted in a line of their own, rather than
/// holding up whoever logs. `flush` waits for what was logged before it (at exit).
final class LogWriter: @unchecked Sendable {
    static let maxPendingBytes = 4 * 1024 * 1024

    private let output: FileHandle
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var dropped = 0
    private var writing = false

    init(output: FileHandle) {
        self.output = output
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "gatehouse-log"
        thread.start()
    }

    func write(_ line: String) {
        condition.lock()
        if pending.count < Self.maxPendingBytes {
            pending.append(contentsOf: line.utf8)
            pending.append(10)
        } else {
            dropped += 1
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Returns once everything written before the call is out.
    func flush() {
        condition.lock()
        while !pending.isEmpty || dropped > 0 || writing { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && dropped == 0 { condition.wait() }
            var bytes = pending
            if dropped > 0 { bytes += Array("log: \(dropped) lines dropped, the destination did not keep up\n".utf8) }
            pending.removeAll(keepingCapacity: true)
            dropped = 0
            writing = true
            condition.unlock()
            output.write(Data(bytes))
            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
