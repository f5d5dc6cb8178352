import Foundation
import GatehouseCore
import Synchronization

/// Values by credential digest, each until a moment; bounded: when full, expired entries go, and
/// if none had expired, everything does (the credentials are then simply checked again).
final class ExpiringCache<Value: Sendable>: Sendable {
    let capacity: Int
    private let entries = Mutex<[KeyDigest: (value: Value, until: Date)]>([:])

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func get(_ digest: KeyDigest, at now: Date) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[digest] else { return nil }
            return entry.until > now ? entry.value : nil
        }
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
