import Foundation
import GatehouseCore
import Synchronization

/// Responses kept for `GET /v1/responses/{id}` and for a later request's `previous_response_id`:
/// in this instance's memory, for their creator only, the newest first — at most `maxEntries`,
/// `maxBytes` in all, `maxEntryBytes` each (a longer conversation is answered but not kept), for
/// `lifetime` seconds. A restart, or another instance, does not know them.
final class ResponseStore: Sendable {
    struct Entry: Sendable {
        /// The principal that created it: nobody else reads, continues or deletes it.
        let owner: String
        let response: JSONValue
        /// The conversation so far as chat messages: earlier turns, this input, the answer.
        let messages: [JSONValue]
        /// This request's `input` as Responses API items (`/v1/responses/{id}/input_items`).
        let inputItems: [JSONValue]
        let bytes: Int
        let storedAt: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Ids in the order stored, from `head` on (older ones already evicted).
        var order: [String] = []
        var head = 0
        var bytes = 0
    }

    let maxEntries: Int
    let maxBytes: Int
    let maxEntryBytes: Int
    let lifetime: TimeInterval
    let now: @Sendable () -> Date
    private let state = Mutex(State())

    init(
        maxEntries: Int = 10_000, maxBytes: Int = 256 * 1024 * 1024, maxEntryBytes: Int = 8 * 1024 * 1024, lifetime: TimeInterval = 86_400,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.maxEntryBytes = maxEntryBytes
        self.lifetime = lifetime
        self.now = now
    }

    func put(id: String, owner: String, response: JSONValue, messages: [JSONValue], inputItems: [JSONValue]) {
        let bytes = JSONCoding.encode(response).count + JSONCoding.encode(.array(messages)).count + JSONCoding.encode(.array(inputItems)).count
        guard bytes <= maxEntryBytes else { return }
        let entry = Entry(owner: owner, response: response, messages: messages, inputItems: inputItems, bytes: bytes, storedAt: now())
        state.withLock { state in
            if let old = state.entries.updateValue(entry, forKey: id) { state.bytes -= old.bytes } else { state.order.append(id) }
            state.bytes += bytes
            while state.entries.count > maxEntries || state.bytes > maxBytes, state.head < state.order.count {
                if let evicted = state.entries.removeValue(forKey: state.order[state.head]) { state.bytes -= evicted.bytes }
                state.head += 1
            }
            // Ids of deleted or expired entries linger in `order`: compact it before it grows past
            // twice what it holds.
            if state.order.count - state.head > 2 * max(state.entries.count, 512) {
                state.order = state.order[state.head...].filter { state.entries[$0] != nil }
                state.head = 0
            } else if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// The entry, if `owner` stored it and it has not expired.
    func entry(id: String, owner: String) -> Entry? {
        let time = now()
        return state.withLock { state in
            guard let entry = state.entries[id], entry.owner == owner else { return nil }
            guard time.timeIntervalSince(entry.storedAt) < lifetime else {
                state.entries[id] = nil
                state.bytes -= entry.bytes
                return nil
            }
            return entry
        }
    }

    /// Forgets an entry `owner` stored. - Returns: whether there was one.
    func delete(id: String, owner: String) -> Bool {
        state.withLock { state in
            guard let entry = state.entries[id], entry.owner == owner else { return false }
            state.entries[id] = nil
            state.bytes -= entry.bytes
            return true
        }
    }
}
