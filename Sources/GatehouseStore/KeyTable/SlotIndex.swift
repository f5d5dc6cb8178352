/// An open-addressing hash index from a hash to a slot of a table (linear probing, deletion by
/// backward shift, no tombstones): four bytes a bucket, where a `Dictionary` would hold a whole
/// key and value. Buckets hold only slots: whether an entry is the one sought, and the hash of
/// an entry that must move, are the table's to say.
struct SlotIndex: Sendable {
    /// slot + 1; 0 is an empty bucket.
    private var buckets: [UInt32] = Array(repeating: 0, count: 16)
    private(set) var count = 0

    private var mask: Int { buckets.count - 1 }

    /// The bucket and slot of the entry with this hash that `matches` accepts.
    func find(hash: Int, matches: (Int32) -> Bool) -> (bucket: Int, slot: Int32)? {
        var position = hash & mask
        while true {
            let entry = buckets[position]
            if entry == 0 { return nil }
            if matches(Int32(entry - 1)) { return (position, Int32(entry - 1)) }
            position = (position + 1) & mask
        }
    }

    /// Adds an entry; the caller has made sure none with this identity is present.
    /// - Parameter hashOf: the hash of an entry already held (to place it again when the index grows).
    mutating func insert(slot: Int32, hash: Int, hashOf: (Int32) -> Int) {
        if (count + 1) * 4 > buckets.count * 3 { grow(hashOf: hashOf) }
        place(UInt32(slot) + 1, hash: hash)
        count += 1
    }

    /// Removes the entry in this bucket (from `find`), shifting back the entries that probed past it.
    mutating func remove(bucket: Int, hashOf: (Int32) -> Int) {
        var hole = bucket
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = hashOf(Int32(buckets[next] - 1)) & mask
            if (next - home) & mask >= (next - hole) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
    }

    private mutating func place(_ entry: UInt32, hash: Int) {
        var position = hash & mask
        while buckets[position] != 0 { position = (position + 1) & mask }
        buckets[position] = entry
    }

    private mutating func grow(hashOf: (Int32) -> Int) {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        for entry in old where entry != 0 { place(entry, hash: hashOf(Int32(entry - 1))) }
    }
}
