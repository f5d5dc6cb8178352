import Foundation
import Synchronization

/// The time a live Gatehouse checks credentials against, moved by the test instead of waited
/// for: real time plus what the test has skipped.
final class TestClock: Sendable {
    private let skipped = Mutex<TimeInterval>(0)
    var now: Date { Date().addingTimeInterval(skipped.withLock { $0 }) }
    func advance(_ seconds: TimeInterval) { skipped.withLock { $0 += seconds } }
}
