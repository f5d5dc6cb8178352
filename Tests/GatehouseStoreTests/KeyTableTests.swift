import Foundation
import GatehouseCore
import Testing

@testable import GatehouseStore

@Suite("Compact key table")
struct KeyTableTests {
    func grant(_ id: String, alias: String? = nil, user: String? = nil, team: String? = nil, models: [String] = []) -> KeyGrant {
        KeyGrant(
            id: id, alias: alias, userID: user, teamID: team, organizationID: team.map { "org-of-" + $0 }, models: models,
            allowedRoutes: id.hasSuffix("0") ? ["/v1/embeddings"] : [], blocked: id.hasSuffix("7"),
            expiresAt: id.hasSuffix("3") ? Date(timeIntervalSinceReferenceDate: 812_345_678.125) : nil,
            updatedAt: Date(timeIntervalSinceReferenceDate: 800_000_000.5))
    }

    /// Thousands of random inserts, replacements and removals, checked against a dictionary after
    /// each step's batch: every held key found by digest and id with the grant it was given, every
    /// removed one gone (the index's backward shifts and the arena's compaction included).
    @Test func agreesWithADictionaryThroughRandomChurn() {
        var table = KeyTable()
        var model: [String: (digest: KeyDigest, grant: KeyGrant)] = [:]
        var gone: [KeyDigest] = []
        var random = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let id = "key_\(Int.random(in: 0..<3_000, using: &random))"
            if Bool.random(using: &random), model[id] != nil {
                let removed = table.remove(id: id)
                #expect(removed)
                gone.append(model.removeValue(forKey: id)!.digest)
            } else {
                if let held = model[id] {
                    table.remove(id: id)
                    gone.append(held.digest)
                }
                let digest = KeyDigest(key: "secret-\(step)")
                let user = "user-\(step % 40)"
                let granted = grant(
                    id, alias: step % 3 == 0 ? "alias for \(step) " + String(repeating: "x", count: step % 50) : nil, user: user,
                    team: step % 2 == 0 ? "team-\(step % 7)" : nil, models: step % 5 == 0 ? ["gpt-4o", "m-\(step % 3)"] : [])
                table.insert(granted, digest: digest, previous: nil, lastUse: 0)
                model[id] = (digest, granted)
            }
            if step % 2_000 == 1_999 {
                #expect(table.count == model.count)
                for (id, held) in model {
                    #expect(table.slot(of: held.digest).map { table.grant(at: $0) } == held.grant)
                    #expect(table.slot(ofID: id).map { table.grant(at: $0) } == held.grant)
                }
                #expect(gone.allSatisfy { table.slot(of: $0) == nil })
                gone.removeAll()
            }
        }
    }

    @Test func aReplacedDigestIsFoundUntilItsKeyGoes() {
        var table = KeyTable()
        let (current, replaced) = (KeyDigest(key: "new secret"), KeyDigest(key: "old secret"))
        let until = Date(timeIntervalSinceReferenceDate: 900_000_000)
        table.insert(grant("key_1"), digest: current, previous: (replaced, until), lastUse: 5)
        #expect(table.count == 1)
        #expect(table.slot(of: current).map { table.grant(at: $0).expiresAt } == .some(nil))
        #expect(table.slot(of: replaced).map { table.grant(at: $0).expiresAt } == until)
        #expect(table.slot(of: replaced).map { table.grant(at: $0).id } == "key_1")
        // Used through either digest, the key's use is one.
        table.touch(slot: table.slot(ofID: "key_1")!, tick: 9)
        #expect(table.ids(usedBefore: 9).isEmpty)
        #expect(table.ids(usedBefore: 10) == ["key_1"])
        table.touch(slot: table.slot(of: replaced)!, tick: 12)
        #expect(table.ids(usedBefore: 12).isEmpty && table.lastUse(ofID: "key_1") == 12)
        let removed = table.remove(id: "key_1")
        #expect(removed)
        #expect(table.slot(of: current) == nil && table.slot(of: replaced) == nil && table.count == 0)
        let again = table.remove(id: "key_1")
        #expect(!again)
    }

    @Test func idsAreComparedByteForByte() {
        var table = KeyTable()
        let composed = "key_caf\u{E9}"
        let decomposed = "key_cafe\u{301}"
        table.insert(grant(composed), digest: KeyDigest(key: "a"), previous: nil, lastUse: 0)
        #expect(table.slot(ofID: composed) != nil)
        #expect(table.slot(ofID: decomposed) == nil)
        #expect(table.slot(ofID: "key_caf") == nil)
    }

    @Test func sharedValuesAreHeldOnceAndLetGoWithTheirLastKey() {
        var pool = InternPool<String>()
        let first = pool.intern("team-1")
        #expect(pool.intern("team-1") == first)
        #expect(pool.intern(nil) == 0)
        pool.release(first)
        #expect(pool[first] == "team-1")
        pool.release(first)
        #expect(pool[first] == nil && pool.count == 0)
        #expect(pool.intern("team-2") == first)  // the number is reused
    }

    @Test func aVeryLongTextIsKeptWhole() {
        var arena = TextArena()
        let long = String(repeating: "a", count: 1 << 24)
        let ref = arena.store(long)
        #expect(arena.text(ref) == long)
        #expect(arena.holds(ref, long))
        #expect(arena.bytes.isEmpty)
        let absent = arena.store(nil)
        #expect(arena.text(absent) == nil)
    }
}
