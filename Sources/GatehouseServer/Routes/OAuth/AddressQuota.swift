import Foundation
import Synchronization

/// At most `limit` events per address in a fixed window of `window` seconds, counted in this
/// instance's memory: what keeps one address from taking a shared allowance (pending device
/// sign-ins) for itself. Forgets a window once it has passed; holds at most `maxAddresses`
/// addresses, beyond which a new address is refused until windows pass.
final class AddressQuota: Sendable {
    let limit: Int
    let window: TimeInterval
    let maxAddresses: Int
    private let counts = Mutex<[String: (start: Date, count: Int)]>([:])

    init(limit: Int, window: TimeInterval, maxAddresses: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.maxAddresses = maxAddresses
    }

    /// Counts one event for the address. - Returns: whether it is within the quota.
    func take(_ address: String?, at now: Date = Date()) -> Bool {
        let key = address ?? "unknown"
        return counts.withLock { counts in
            if let entry = counts[key], now.timeIntervalSince(entry.start) < window {
                guard entry.count < limit else { return false }
                counts[key] = (entry.start, entry.count + 1)
                return true
            }
            if counts[key] == nil, counts.count >= maxAddresses {
                counts = counts.filter { now.timeIntervalSince($0.value.start) < window }
                guard counts.count < maxAddresses else { return false }
            }
            counts[key] = (now, 1)
            return true
        }
    }
}
