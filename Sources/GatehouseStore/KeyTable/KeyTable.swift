import Foundation
import GatehouseCore

/// The held keys' grants, compactly: one fixed-size record a key in a flat array, found by digest
/// and by id through two open-addressing indexes of slots; ids and aliases as bytes in one arena;
/// the user, team and organization ids and the model and route lists that keys share held once.
/// About 110 bytes a key plus its id's and alias's bytes, where a dictionary of `KeyGrant`s took
/// several heap objects a key (BENCHMARKS.md, "Memory a held key costs").
struct KeyTable: Sendable {
    private struct Record: Sendable {
        var digest: KeyDigest
        var id: TextArena.Ref
        var alias: TextArena.Ref
        /// `timeIntervalSinceReferenceDate`, as `Date` keeps it; NaN: never expires.
        var expiresAt: Double
        var updatedAt: Double
        var user: UInt32
        var team: UInt32
        var organization: UInt32
        var models: UInt32
        var routes: UInt32
        var flags: Flags
    }

    private struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let blocked = Flags(rawValue: 1)
        /// A replaced digest's record (within its grace period): found by digest, not by id.
        static let replaced = Flags(rawValue: 2)
        static let free = Flags(rawValue: 4)
    }

    private var records: [Record] = []
    private var freeSlots: [Int32] = []
    private var byDigest = SlotIndex()
    private var byID = SlotIndex()
    private var text = TextArena()
    private var names = InternPool<String>()
    private var lists = InternPool<[String]>()
    /// The record of each rotated key's replaced digest (few keys have one).
    private var replacedOf: [Int32: Int32] = [:]
    /// When each record was last used (ticks of a bounded cache); empty until one is used.
    private var uses: [UInt64] = []

    /// How many keys are held (replaced digests not counted).
    var count: Int { byID.count }

    func slot(of digest: KeyDigest) -> Int32? {
        byDigest.find(hash: digest.hashValue) { records[Int($0)].digest == digest }?.slot
    }

    func slot(ofID id: String) -> Int32? {
        byID.find(hash: TextArena.hash(of: id)) { text.holds(records[Int($0)].id, id) }?.slot
    }

    func grant(at slot: Int32) -> KeyGrant {
        let record = records[Int(slot)]
        return KeyGrant(
            id: text.text(record.id) ?? "", alias: text.text(record.alias), userID: names[record.user], teamID: names[record.team],
            organizationID: names[record.organization], models: lists[record.models] ?? [], allowedRoutes: lists[record.routes] ?? [],
            blocked: record.flags.contains(.blocked),
            expiresAt: record.expiresAt.isNaN ? nil : Date(timeIntervalSinceReferenceDate: record.expiresAt),
            updatedAt: Date(timeIntervalSinceReferenceDate: record.updatedAt))
    }

    func updatedAt(ofID id: String) -> Date? {
        slot(ofID: id).map { Date(timeIntervalSinceReferenceDate: records[Int($0)].updatedAt) }
    }

    func lastUse(ofID id: String) -> UInt64? { slot(ofID: id).map { lastUse(at: $0) } }

    private func lastUse(at slot: Int32) -> UInt64 { Int(slot) < uses.count ? uses[Int(slot)] : 0 }

    /// Marks a key used at `tick`, through either of its digests: both records get the tick.
    mutating func touch(slot: Int32, tick: UInt64) {
        setUse(tick, at: slot)
        if let replaced = replacedOf[slot] { setUse(tick, at: replaced) }
        if records[Int(slot)].flags.contains(.replaced), let owner = replacedOf.first(where: { $0.value == slot })?.key {
            setUse(tick, at: owner)
        }
    }

    private mutating func setUse(_ tick: UInt64, at slot: Int32) {
        if Int(slot) >= uses.count {
            guard tick != 0 else { return }
            uses.append(contentsOf: repeatElement(0, count: records.count - uses.count))
        }
        uses[Int(slot)] = tick
    }

    /// Holds a key under its digest and, within a grace period, under its replaced digest until
    /// `previous.until`. The caller has removed any key with this id.
    mutating func insert(_ grant: KeyGrant, digest: KeyDigest, previous: (digest: KeyDigest, until: Date)?, lastUse: UInt64) {
        let slot = add(grant, digest: digest, expiresAt: grant.expiresAt)
        let hash = TextArena.hash(of: grant.id)
        byID.insert(slot: slot, hash: hash) { [records, text] in text.hash(records[Int($0)].id) }
        setUse(lastUse, at: slot)
        if let previous, previous.digest != digest {
            let replaced = add(grant, digest: previous.digest, expiresAt: min(previous.until, grant.expiresAt ?? previous.until))
            records[Int(replaced)].flags.insert(.replaced)
            replacedOf[slot] = replaced
            setUse(lastUse, at: replaced)
        }
    }

    private mutating func add(_ grant: KeyGrant, digest: KeyDigest, expiresAt: Date?) -> Int32 {
        // One secret is one key (the store's `hash` is unique); should a digest come again, the
        // newer record is the one found by it, as a dictionary would replace it.
        if let held = byDigest.find(hash: digest.hashValue, matches: { records[Int($0)].digest == digest }) {
            byDigest.remove(bucket: held.bucket) { [records] in records[Int($0)].digest.hashValue }
        }
        let record = Record(
            digest: digest, id: text.store(grant.id), alias: text.store(grant.alias),
            expiresAt: expiresAt?.timeIntervalSinceReferenceDate ?? .nan, updatedAt: grant.updatedAt.timeIntervalSinceReferenceDate,
            user: names.intern(grant.userID), team: names.intern(grant.teamID), organization: names.intern(grant.organizationID),
            models: lists.intern(grant.models.isEmpty ? nil : grant.models),
            routes: lists.intern(grant.allowedRoutes.isEmpty ? nil : grant.allowedRoutes), flags: grant.blocked ? .blocked : [])
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            records[Int(slot)] = record
        } else {
            slot = Int32(records.count)
            records.append(record)
        }
        byDigest.insert(slot: slot, hash: digest.hashValue) { [records] in records[Int($0)].digest.hashValue }
        return slot
    }

    /// Forgets the key with this id and its replaced digest. Returns whether it was held.
    @discardableResult
    mutating func remove(id: String) -> Bool {
        guard let found = byID.find(hash: TextArena.hash(of: id), matches: { text.holds(records[Int($0)].id, id) }) else { return false }
        byID.remove(bucket: found.bucket) { [records, text] in text.hash(records[Int($0)].id) }
        if let replaced = replacedOf.removeValue(forKey: found.slot) { release(slot: replaced) }
        release(slot: found.slot)
        if text.wantsCompaction { compactText() }
        return true
    }

    private mutating func release(slot: Int32) {
        let record = records[Int(slot)]
        let digest = record.digest
        if let found = byDigest.find(hash: digest.hashValue, matches: { $0 == slot }) {
            byDigest.remove(bucket: found.bucket) { [records] in records[Int($0)].digest.hashValue }
        }
        text.release(record.id)
        text.release(record.alias)
        for number in [record.user, record.team, record.organization] { names.release(number) }
        lists.release(record.models)
        lists.release(record.routes)
        records[Int(slot)].flags = .free
        if Int(slot) < uses.count { uses[Int(slot)] = 0 }
        freeSlots.append(slot)
    }

    /// Copies the live ids and aliases into a new arena, leaving the released ones behind (the
    /// id index keeps its places: a text hashes the same wherever it is).
    private mutating func compactText() {
        var fresh = TextArena()
        for slot in records.indices where !records[slot].flags.contains(.free) {
            records[slot].id = fresh.store(text.text(records[slot].id))
            records[slot].alias = fresh.store(text.text(records[slot].alias))
        }
        text = fresh
    }

    /// The oldest use of a held key.
    var oldestUse: UInt64? {
        records.indices.lazy.filter { !self.records[$0].flags.contains(.free) }.map { self.lastUse(at: Int32($0)) }.min()
    }

    /// The ids of the held keys last used before `tick` (replaced digests count as their key).
    func ids(usedBefore tick: UInt64) -> [String] {
        records.indices.compactMap { slot in
            let record = records[slot]
            guard record.flags.isDisjoint(with: [.free, .replaced]), lastUse(at: Int32(slot)) < tick else { return nil }
            return text.text(record.id)
        }
    }
}
