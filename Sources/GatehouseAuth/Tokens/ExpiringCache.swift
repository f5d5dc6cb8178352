import Foundation
import GatehouseCore
import Synchronization

/// Values by credential digest, each until a moment; bounded: when full, expired entries go, and
/// if none had expired, everything does (the credentials are then simply checked again).
final class ExpiringCache<Value: Sendable>: Sendable {
    let capacity: Int
    private let entries = Mutex<[KeyDigest: (value: Value, until: Date)]>([:])
    private let counts = Mutex((hits: 0, misses: 0))

    /// How many lookups found a live entry, and how many did not.
    var lookups: (hits: Int, misses: Int) { counts.withLock { $0 } }

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func get(_ digest: KeyDigest, at now: Date) -> Value? {
        let value = entries.withLock { entries -> Value? in
            guard let entry = entries[digest] else { return nil }
            return entry.until > now ? entry.value : nil
        }
        counts.withLock { value == nil ? ($0.misses += 1) : ($0.hits += 1) }
        return value
    }

    func put(_ digest: KeyDigest, _ value: Value, until: Date) {
        entries.withLock { entries in
            if entries.count >= capacity {
                let now = Date()
                entries = entries.filter { $0.value.until > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = (value, until)
        }
    }
}
